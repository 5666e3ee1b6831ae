"""Sphinx configuration of the skforensics documentation.

Build (what ``python3 tasks.py test`` runs; warnings are errors, and every
example is executed, so that its page ends in its figure and its numbers)::

    python -m sphinx -W --keep-going -q -b html docs docs/_build/html

An example that raises fails the build; the time of each is written to
``docs/sg_execution_times.rst``. Add ``-D plot_gallery=0`` for a quick build
that renders the examples without running them. Set
``SKFORENSICS_DOCS_INTERSPHINX=1`` to link numpy/scipy/sklearn/torch/skorch
objects through intersphinx (this fetches inventories, so it needs network);
by default the build is fully offline.
"""

import os
import sys
from datetime import date

# The package is installed (editable) in the docs environment; this makes a
# plain checkout work too.
sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.abspath("sphinxext"))

import skforensics  # noqa: E402
from data_docs import hidden_values, process_docstring  # noqa: E402
from make_api import SECTIONS, write as write_api_pages  # noqa: E402
from public_paths import process_signature  # noqa: E402

# docs/api/ (ignored by git) lists every name of every subpackage's __all__,
# one page per subpackage; it is rewritten on each build (only the pages that
# changed), so it can never fall behind the code, and the build leaves the
# checkout as it found it.
write_api_pages()

# -- Project -----------------------------------------------------------------

project = "skforensics"
author = "The skforensics developers"
copyright = f"2025-{date.today().year}, {author}"
release = skforensics.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "gallery_figure",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
root_doc = "index"
default_role = "literal"
# Unresolved references to objects outside this package (numpy, sklearn,
# torch) must stay silent when intersphinx is off.
nitpicky = False

# -- autodoc / autosummary / numpydoc ----------------------------------------

autosummary_generate = True
autosummary_imported_members = False
# Public constants whose value prints a private object (a tuple of
# ``_Row`` objects) are shown without it: ``_templates/autosummary/data.rst``
# adds ``:no-value:`` for them, and their docstring says what they hold.
autosummary_context = {
    "data_without_value": hidden_values(module for module, *_ in SECTIONS),
}
autodoc_default_options = {}
autodoc_typehints = "none"

# As scikit-learn: the class page lists no member table (the template adds
# the methods), and references in docstrings are not turned into
# cross-references by type (which would warn on every external type).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()
numpydoc_use_plots = False

# -- intersphinx (opt-in: inventories are fetched from the network) ----------

intersphinx_mapping = {}
if os.environ.get("SKFORENSICS_DOCS_INTERSPHINX"):
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "skimage": ("https://scikit-image.org/docs/stable", None),
        "joblib": ("https://joblib.readthedocs.io/en/stable", None),
        "torch": ("https://docs.pytorch.org/docs/stable", None),
        "skorch": ("https://skorch.readthedocs.io/en/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
    }
intersphinx_timeout = 10

# -- sphinx-gallery ----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": "/plot_",
    "doc_module": ("skforensics",),
    "backreferences_dir": os.path.join("generated", "backreferences"),
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "min_reported_time": 5,
    # The examples are CPU-only and offline. The build is where they are
    # tested (``tasks.py test``), so every build runs all of them, changed or
    # not, and an example that raises fails the build (after the others ran).
    "run_stale_examples": True,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    # Each figure is also saved at twice the resolution (``*_2_00x.png``,
    # offered through ``srcset``), so that tick labels stay legible on
    # high-density screens and in the full-size image a click opens.
    "image_srcset": ["2x"],
}

# -- HTML --------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skforensics {release}"
html_static_path = []
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 8,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_show_sourcelink = True
html_sidebars = {"index": [], "quickstart": [], "install": []}


# -- Members documented on class pages ---------------------------------------


def _defined_outside_skforensics(obj):
    """Whether a member comes from scikit-learn, skorch, torch or Python."""
    if isinstance(obj, property):
        obj = obj.fget
    obj = getattr(obj, "__func__", obj)
    module = getattr(obj, "__module__", None)
    return module is not None and not module.startswith("skforensics")


def skip_foreign_members(app, what, name, obj, skip, options):
    """Document only what skforensics defines (its own and inherited members).

    Members inherited from scikit-learn (``set_output``, metadata routing
    ``set_*_request``), skorch or torch are documented by those projects;
    their docstrings use labels that do not exist here.
    """
    if what == "class" and _defined_outside_skforensics(obj):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", skip_foreign_members)
    # Defaults such as ``module=JPEGQualityNet`` show the public path.
    app.connect("autodoc-process-signature", process_signature)
    # Constants defined in private modules keep their documentation (before
    # numpydoc, priority 500, reformats the docstring).
    app.connect("autodoc-process-docstring", process_docstring, priority=400)
