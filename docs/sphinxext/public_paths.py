"""Show objects under their public path in the rendered signatures.

Default values that are classes print as ``<class 'module.Name'>`` with the
module that defines them, which for skforensics is a private one
(``<class 'skforensics.nn._jpeg_quality.JPEGQualityNet'>``) and for torch a
deep one (``torch.nn.modules.loss.MSELoss``). ``public_signature`` rewrites
each of them to the shortest path, along the defining module's own parents,
that exports the very same object: ``skforensics.nn.JPEGQualityNet``,
``torch.nn.MSELoss``. ``docs/conf.py`` connects it to autodoc.
"""

import importlib
import re
import sys

_CLASS_REPR = re.compile(r"<class '([\w.]+)'>")
_FUNCTION_REPR = re.compile(r"<function ([\w.<>]+) at 0x[0-9a-f]+>")


def public_path(dotted):
    """The shortest ``parent.Name`` path that exports the object ``dotted`` names."""
    module_name, _, name = dotted.rpartition(".")
    module = sys.modules.get(module_name)
    obj = getattr(module, name, None) if module is not None else None
    if obj is None:
        return dotted
    parts = module_name.split(".")
    for depth in range(1, len(parts)):
        prefix = ".".join(parts[:depth])
        try:
            parent = importlib.import_module(prefix)
        except ImportError:
            continue
        if getattr(parent, name, None) is obj:
            return f"{prefix}.{name}"
    return dotted


def public_signature(text):
    """Rewrite the class and function reprs of a signature string."""
    if not text:
        return text
    text = _CLASS_REPR.sub(lambda m: public_path(m.group(1)), text)
    return _FUNCTION_REPR.sub(lambda m: m.group(1), text)


def process_signature(app, what, name, obj, options, signature, return_annotation):
    """The ``autodoc-process-signature`` handler."""
    return public_signature(signature), public_signature(return_annotation)
