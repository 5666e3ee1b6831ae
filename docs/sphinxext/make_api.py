"""Write the API reference, ``docs/api/``, from the ``__all__`` of each subpackage.

``docs/conf.py`` calls :func:`write` on every build, so the reference can
never fall behind the code; it can also run alone::

    python docs/sphinxext/make_api.py

It writes ``docs/api/index.rst`` (the list of subpackages) and one page per
subpackage, ``docs/api/<module>.rst``, whose autosummary tables list the
public names under their public path (``skforensics.nn.JPEGQualityNet``,
never the private module that defines it). Everything under ``docs/api/`` is
generated and ignored by git: edit ``SECTIONS`` below, not the pages.

Sections are listed in ``SECTIONS`` (module, title, user-guide label, and a
one-line description shown on the index page; the subpackage's page shows
the module's own docstring); a new subpackage needs a line there. A
subpackage that does not import yet, or exports nothing, is left out and
reported.
"""

import importlib
import inspect
import sys
from pathlib import Path

API_DIR = Path(__file__).resolve().parent.parent / "api"

SECTIONS = [
    ("skforensics.utils", "Image collections", "image_collections",
     "Validation of image collections, reading files lazily, colour conversion."),
    ("skforensics.utils.estimator_checks", "Estimator checks", "developer_guide",
     "The image-aware checks that every skforensics estimator passes; use them "
     "to test your own."),
    ("skforensics.feature", "Features", "mscn",
     "MSCN coefficients, patch grids and BRISQUE features: numpy and scipy "
     "only, never torch."),
    ("skforensics.datasets", "Datasets", "datasets",
     "Generators and loaders; each returns ``(X, y, groups)`` with ``groups`` "
     "the source image."),
    ("skforensics.metrics", "Metrics", "metrics",
     "IQA correlations and scorers for ``scoring=``."),
    ("skforensics.nn", "Neural networks", "patch_cnn",
     "The papers' networks as plain :class:`torch.nn.Module` subclasses "
     "(needs the ``torch`` extra)."),
    ("skforensics.models", "Estimators on skorch", "patch_cnn",
     "scikit-learn estimators that train the networks (needs the ``torch`` "
     "extra)."),
    ("skforensics.inspection", "Inspection", "inspection_displays",
     "Audits and figures of what the models see; nothing here imports torch "
     "at import time."),
]

INDEX_HEADER = """\
.. _api:

=============
API reference
=============

.. Written by docs/sphinxext/make_api.py on every build; edit SECTIONS there.

Every public function and class, one page per subpackage, each name under
its public path. The numpy layer (:mod:`skforensics.utils`,
:mod:`skforensics.feature`, :mod:`skforensics.datasets`,
:mod:`skforensics.metrics`) never imports PyTorch; :mod:`skforensics.nn` and
:mod:`skforensics.models` need ``pip install "skforensics[torch]"``.
"""


def public_names(module_name):
    """Split a module's ``__all__`` into (classes, functions, data), sorted."""
    module = importlib.import_module(module_name)
    names = list(getattr(module, "__all__", ()))
    objects = {name: getattr(module, name) for name in names}
    classes = sorted(n for n, o in objects.items() if inspect.isclass(o))
    functions = sorted(
        n for n, o in objects.items() if n not in classes and callable(o)
    )
    data = sorted(n for n in objects if n not in classes and n not in functions)
    return classes, functions, data


def render_module(module_name, title, label):
    """The text of one subpackage's page."""
    head = f":mod:`{module_name}`: {title}"
    out = [
        f".. _api_{module_name.replace('.', '_')}:",
        "",
        "=" * len(head),
        head,
        "=" * len(head),
        "",
        ".. Written by docs/sphinxext/make_api.py on every build.",
        "",
        f".. automodule:: {module_name}",
        "   :no-members:",
        "   :no-inherited-members:",
        "",
        f"**User guide:** :ref:`{label}`.",
        "",
        f".. currentmodule:: {module_name}",
        "",
    ]
    kinds = ("Classes", "Functions", "Data")
    for kind, group in zip(kinds, public_names(module_name)):
        if not group:
            continue
        out += [
            kind,
            "-" * len(kind),
            "",
            ".. autosummary::",
            "   :toctree: generated/",
            "   :nosignatures:",
            "",
            *(f"   {name}" for name in group),
            "",
        ]
    return "\n".join(out)


def render():
    """Return ``{file name: text}`` of the API pages and the (module, why) left out."""
    pages = {}
    index = [INDEX_HEADER]
    toctree = []
    left_out = []
    for module_name, title, label, blurb in SECTIONS:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            left_out.append((module_name, f"does not import: {exc}"))
            continue
        if not getattr(module, "__all__", ()):
            left_out.append((module_name, "has no __all__"))
            continue
        pages[f"{module_name}.rst"] = render_module(module_name, title, label)
        index += [f":mod:`{module_name}`: {title}", f"    {blurb}", ""]
        toctree.append(f"   {module_name}")
    index += [".. toctree::", "   :maxdepth: 1", "   :hidden:", "", *toctree, ""]
    pages["index.rst"] = "\n".join(index)
    return pages, left_out


def write(api_dir=API_DIR):
    """Write the pages that changed, remove pages of gone subpackages.

    Unchanged pages are left untouched so that Sphinx does not rebuild them.
    Returns the (module, why) pairs left out.
    """
    pages, left_out = render()
    api_dir.mkdir(exist_ok=True)
    for path in api_dir.glob("*.rst"):
        if path.name not in pages:
            path.unlink()
    for name, text in pages.items():
        path = api_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return left_out


def main():
    left_out = write()
    print(f"wrote {API_DIR}")
    for module_name, why in left_out:
        print(f"left out {module_name}: {why}", file=sys.stderr)


if __name__ == "__main__":
    main()
