"""Write ``docs/api.rst`` from the ``__all__`` of each subpackage.

``docs/conf.py`` calls it on every build; it can also run alone::

    python docs/sphinxext/make_api.py

Sections are listed in ``SECTIONS`` below (module, title, user-guide label,
and a one-line description kept for readers of this file; the page shows
the module's own docstring); a new subpackage needs a line there. A subpackage
that does not import yet, or exports nothing, is left out and reported.
"""

import importlib
import inspect
import sys
from pathlib import Path

API_RST = Path(__file__).resolve().parent.parent / "api.rst"

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
    ("skforensics.inspection", "Inspection", "jpeg",
     "Audits and figures of what the models see; nothing here imports torch "
     "at import time."),
]

HEADER = """\
.. _api:

=============
API reference
=============

.. This page is written by docs/sphinxext/make_api.py; edit SECTIONS there.

Every public function and class, by subpackage. The numpy layer
(:mod:`skforensics.utils`, :mod:`skforensics.feature`,
:mod:`skforensics.datasets`, :mod:`skforensics.metrics`) never imports
PyTorch; :mod:`skforensics.nn` and :mod:`skforensics.models` need
``pip install "skforensics[torch]"``.
"""


def render():
    """Return the text of api.rst and the list of (module, why) left out."""
    out = [HEADER]
    left_out = []
    for module_name, title, label, blurb in SECTIONS:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            left_out.append((module_name, f"does not import: {exc}"))
            continue
        names = list(getattr(module, "__all__", ()))
        if not names:
            left_out.append((module_name, "has no __all__"))
            continue
        head = f":mod:`{module_name}`: {title}"
        out += [
            f".. _api_{module_name.replace('.', '_')}:",
            "",
            head,
            "=" * len(head),
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
        objects = {name: getattr(module, name) for name in names}
        classes = sorted(n for n, o in objects.items() if inspect.isclass(o))
        functions = sorted(
            n for n, o in objects.items() if n not in classes and callable(o)
        )
        data = sorted(n for n in objects if n not in classes and n not in functions)
        for kind, group in (("Classes", classes), ("Functions", functions), ("Data", data)):
            if not group:
                continue
            out += [
                f".. rubric:: {kind}",
                "",
                ".. autosummary::",
                "   :toctree: generated/",
                "   :nosignatures:",
                "",
                *(f"   {name}" for name in group),
                "",
            ]
    return "\n".join(out), left_out


def main():
    text, left_out = render()
    API_RST.write_text(text, encoding="utf-8")
    print(f"wrote {API_RST}")
    for module_name, why in left_out:
        print(f"left out {module_name}: {why}", file=sys.stderr)


if __name__ == "__main__":
    main()
