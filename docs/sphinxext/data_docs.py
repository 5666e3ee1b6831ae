"""Document the public constants (``__all__`` data) as written in their module.

A constant such as ``skforensics.datasets.TABLE_FAMILIES`` is defined, with
its ``#:`` comment or the docstring after it, in a private module
(``skforensics/datasets/_jpeg_tables.py``) and documented under its public
path. autodoc reads a constant's documentation from the module it is
documented in, so it finds none there and falls back to the docstring of
the value's *type*: the page of a tuple read "Built-in immutable sequence".
Two pieces fix that, connected in ``docs/conf.py``:

- :func:`process_docstring` (``autodoc-process-docstring``) replaces a
  constant's type docstring by the documentation of the module that defines
  it, and warns (an error under ``-W``) when there is none;
- :func:`hidden_values` lists the constants whose value would print a
  private object (``<skforensics.utils._bad_inputs._Row object>``); the
  autosummary template ``_templates/autosummary/data.rst`` prints their page
  with ``:no-value:``, so their documentation has to say what they hold.
"""

import importlib
import sys

from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging
from sphinx.util.docstrings import prepare_docstring

logger = logging.getLogger(__name__)


def _defining_modules(public_module):
    """The imported modules of the package, those below ``public_module`` first."""
    package = public_module.split(".")[0]
    below = public_module + "."
    names = sorted(
        (name for name in list(sys.modules)
         if name == package or name.startswith(package + ".")),
        key=lambda name: (not name.startswith(below), name),
    )
    return names


def attribute_doc(full_name):
    """The ``#:`` comment or docstring of the module that assigns ``full_name``.

    Returns a list of lines, or None where no module documents it.
    """
    public_module, _, name = full_name.rpartition(".")
    obj = getattr(importlib.import_module(public_module), name)
    for module_name in _defining_modules(public_module):
        module = sys.modules.get(module_name)
        if module is None or getattr(module, name, None) is not obj:
            continue
        try:
            analyzer = ModuleAnalyzer.for_module(module_name)
            analyzer.analyze()
        except Exception:  # noqa: BLE001 - no source: look further
            continue
        lines = analyzer.attr_docs.get(("", name))
        if lines:
            return list(lines)
    return None


def process_docstring(app, what, name, obj, options, lines):
    """The ``autodoc-process-docstring`` handler for skforensics constants."""
    if what != "data" or not name.startswith("skforensics."):
        return
    type_doc = type(obj).__doc__
    if lines and not (type_doc and lines == prepare_docstring(type_doc)):
        return  # its own docstring, or the public module documents it
    doc = attribute_doc(name)
    lines[:] = doc or []
    if not doc:
        logger.warning(
            "%s has no documentation: add a '#:' comment (or a docstring) "
            "where it is assigned.", name,
        )


def _private_repr(obj):
    text = repr(obj)
    return " object at 0x" in text or "<skforensics." in text


def hidden_values(modules):
    """The public constants of ``modules`` whose repr shows private objects."""
    hidden = []
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if not callable(obj) and _private_repr(obj):
                hidden.append(f"{module_name}.{name}")
    return sorted(hidden)
