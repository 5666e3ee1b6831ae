"""Image forensics and no-reference image quality assessment for scikit-learn.

The numpy layer (:mod:`skforensics.feature`, :mod:`skforensics.datasets`,
:mod:`skforensics.metrics`, :mod:`skforensics.utils`) imports without PyTorch;
the estimators of :mod:`skforensics.models` and the modules of
:mod:`skforensics.nn` need the ``torch`` extra
(``pip install skforensics[torch]``).
"""

__version__ = "0.1.0.dev0"

__all__ = [
    "datasets",
    "feature",
    "inspection",
    "metrics",
    "models",
    "nn",
    "utils",
    "__version__",
]


def __getattr__(name):
    # Subpackages are imported on first access, so that `import skforensics`
    # stays cheap and never imports torch.
    if name in __all__ and name != "__version__":
        import importlib

        return importlib.import_module(f"skforensics.{name}")
    raise AttributeError(f"module 'skforensics' has no attribute {name!r}")
