"""Sphinx configuration of the skforensics documentation.

Build (what ``python3 tasks.py test`` runs; warnings are errors, the gallery
is rendered but not executed)::

    python -m sphinx -W --keep-going -q -b html -D plot_gallery=0 docs docs/_build/html

Drop ``-D plot_gallery=0`` to execute the examples. Set
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
from make_api import API_RST, render  # noqa: E402

# api.rst lists every name of every subpackage's __all__; it is rewritten on
# each build (only when it changed), so it can never fall behind the code.
_api_text, _ = render()
if not API_RST.exists() or API_RST.read_text(encoding="utf-8") != _api_text:
    API_RST.write_text(_api_text, encoding="utf-8")

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
    # The examples are CPU-only and offline; an example that fails when the
    # gallery is executed fails the build.
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
}

# -- HTML --------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skforensics {release}"
html_static_path = []
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_show_sourcelink = True
html_sidebars = {"index": [], "install": []}


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
