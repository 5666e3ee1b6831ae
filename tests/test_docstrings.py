"""numpydoc validation of every public function, class and method.

In the spirit of scikit-learn's ``sklearn/tests/test_docstrings.py`` and
imbalanced-learn's ``test_docstring_parameters.py``: every name of every
subpackage's ``__all__`` (and every public method that a skforensics class
defines itself, or inherits from another skforensics class) goes through
:func:`numpydoc.validate.validate`, and any error outside ``IGNORED`` fails.

Methods inherited from scikit-learn, skorch or torch are not checked: those
projects document them (and ``docs/conf.py`` leaves them out of the pages).
Data (``IQA_SCORERS``, ``BAD_INPUTS``) and scorer objects (``srocc_scorer``,
instances of scikit-learn's scorer class) are not functions or classes and
carry the docstring of their type, so they are not checked either.
"""

import importlib
import inspect

import pytest

validate = pytest.importorskip("numpydoc.validate").validate

SUBPACKAGES = [
    "skforensics.utils",
    "skforensics.utils.estimator_checks",
    "skforensics.feature",
    "skforensics.datasets",
    "skforensics.metrics",
    "skforensics.nn",
    "skforensics.models",
    "skforensics.inspection",
]

# Error codes that are never reported
# (https://numpydoc.readthedocs.io/en/latest/validation.html).
IGNORED = {
    # As scikit-learn: a return value may be named ("X_new : ndarray"), and
    # the opening/closing quote layout is left to the formatter.
    "RT02",
    "GL01",
    "GL02",
    # See Also and an extended summary are written where they help, not
    # everywhere: a one-line helper needs neither.
    "SA01",
    "ES01",
}
# Codes only checked on classes and functions, not on their methods (as
# scikit-learn): the class docstring carries the example.
CLASS_OR_FUNCTION_ONLY = {"EX01"}

# Errors known but not fixed, as {dotted name: set of codes}: the check of
# each of these names is an expected failure while exactly these errors
# remain, and a new error on one of them fails as on any other. Every entry
# needs a comment saying why the error cannot be fixed; none is left today.
KNOWN_ERRORS = {}


def _public_methods(cls):
    """Public methods and properties a skforensics class defines or inherits
    from another skforensics class."""
    seen = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("skforensics"):
            continue
        for name, member in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            if inspect.isfunction(member) or isinstance(
                member, (property, classmethod, staticmethod)
            ):
                seen.add(name)
                yield name, isinstance(member, property)


def _documented_names():
    """(dotted name, is a method, is a property) of everything checked."""
    for sub in SUBPACKAGES:
        try:
            module = importlib.import_module(sub)
        except ImportError:  # the torch extra is missing
            continue
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            yield f"{sub}.{name}", False, False
            if inspect.isclass(obj):
                for method, is_property in _public_methods(obj):
                    yield f"{sub}.{name}.{method}", True, is_property


NAMES = list(_documented_names())


def _errors(name, is_method, is_property):
    """The numpydoc errors of one name that this project counts."""
    for code, message in validate(name)["errors"]:
        if code in IGNORED:
            continue
        if is_method and code in CLASS_OR_FUNCTION_ONLY:
            continue
        # A property takes no parameters and may hold a one-line docstring.
        if is_property and code in ("PR02", "GL08", "RT01", "RT03", "EX01"):
            continue
        yield code, message


@pytest.mark.parametrize(
    "name, is_method, is_property",
    NAMES,
    ids=[name.replace("skforensics.", "") for name, _, _ in NAMES],
)
def test_numpydoc(name, is_method, is_property):
    errors = list(_errors(name, is_method, is_property))
    known = KNOWN_ERRORS.get(name, set())
    new = [f"{code}: {message}" for code, message in errors if code not in known]
    assert not new, f"{name}:\n" + "\n".join(new)
    if errors:
        pytest.xfail(
            f"known numpydoc errors, left to the owner of the file: "
            f"{sorted({code for code, _ in errors})}"
        )


def test_every_subpackage_is_checked():
    # A check over an empty list cannot fail: make sure the names are there.
    checked = {name.rsplit(".", 1)[0] for name, is_method, _ in NAMES if not is_method}
    pytest.importorskip("torch")
    assert set(SUBPACKAGES) <= checked
    assert len(NAMES) > 150


# The API reference (docs/sphinxext): every public name, under its public path.

DOCS_EXT = __import__("pathlib").Path(__file__).resolve().parent.parent / "docs" / "sphinxext"


@pytest.fixture
def sphinxext(monkeypatch):
    monkeypatch.syspath_prepend(str(DOCS_EXT))
    return importlib.import_module


def test_api_pages_list_every_public_name(sphinxext, tmp_path):
    make_api = sphinxext("make_api")
    left_out = make_api.write(tmp_path)
    if _has_torch():
        assert left_out == []
    pages = {p.name: p.read_text() for p in tmp_path.glob("*.rst")}
    for sub in SUBPACKAGES:
        try:
            module = importlib.import_module(sub)
        except ImportError:
            continue
        page = pages[f"{sub}.rst"]
        assert f".. currentmodule:: {sub}\n" in page
        for name in module.__all__:
            assert f"\n   {name}\n" in page, f"{sub}.{name} missing from the API"
        assert f"   {sub}\n" in pages["index.rst"]
    # A page of a subpackage that is gone is removed.
    (tmp_path / "skforensics.gone.rst").write_text("x")
    make_api.write(tmp_path)
    assert not (tmp_path / "skforensics.gone.rst").exists()


def _has_torch():
    try:
        import skorch  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def test_signatures_show_public_paths(sphinxext):
    pytest.importorskip("torch")
    from sphinx.util.inspect import signature, stringify_signature

    public_signature = sphinxext("public_paths").public_signature
    for sub in ("skforensics.nn", "skforensics.models"):
        module = importlib.import_module(sub)
        for name in module.__all__:
            obj = getattr(module, name)
            if not inspect.isclass(obj):
                continue
            text = public_signature(
                stringify_signature(signature(obj.__init__), show_annotation=False)
            )
            assert "<class" not in text and "._" not in text, f"{name}{text}"
    from skforensics.models import PixelwiseJPEGRegressor

    text = public_signature(
        stringify_signature(signature(PixelwiseJPEGRegressor), show_annotation=False)
    )
    assert "module=skforensics.nn.JPEGQualityNet" in text
    assert "criterion=torch.nn.MSELoss" in text
