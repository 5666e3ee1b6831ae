"""Model files that are safe to share: arrays in an ``.npz`` archive, the rest as JSON.

A model file is a NumPy ``.npz`` archive (a zip of ``.npy`` arrays). Its
entry ``skforensics_model`` holds one JSON document describing the
estimator: its class (by public dotted name), its constructor parameters and
its fitted attributes, with every array and every torch tensor replaced by a
reference to another entry of the archive. Loading reads the archive with
``numpy.load(..., allow_pickle=False)``, checks every class or function
named in the JSON against a list of trusted names *before importing
anything*, then rebuilds the estimator from data. No pickle is involved, so
a file cannot run code when it is loaded: a pickle (or a ``torch.save``
checkpoint) is refused, and so is a file naming a type that is not trusted.

Nothing here imports torch, nor any layer above ``utils``. The
torch-bearing parts (skorch nets, module instances, tensors) are encoded by
a codec that ``skforensics.models`` registers here when it is imported
(:func:`register_codec`): an estimator holding a net was built from
``skforensics.models``, and a file naming one imports it when the name is
resolved.
"""

import importlib
import inspect
import json
import os
import sys
import tempfile

import numpy as np

__all__ = ["load_model", "save_model"]

# The kind of file, and the version of its layout this code writes and reads.
MODEL_FORMAT = "skforensics-model"
MODEL_FORMAT_VERSION = 1
# The archive entry that holds the JSON document.
HEADER_KEY = "skforensics_model"

# Names a model file may contain without the user's say-so: the package's
# estimators and nets, and the scikit-learn, skorch and torch building blocks
# that a pipeline of them holds. Each is a class rebuilt from plain data
# (its constructor parameters and fitted arrays); none runs code on its own.
_SKLEARN_TRUSTED = [
    "sklearn.pipeline.Pipeline",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.preprocessing.StandardScaler",
    "sklearn.preprocessing.MinMaxScaler",
    "sklearn.preprocessing.MaxAbsScaler",
    "sklearn.preprocessing.RobustScaler",
    "sklearn.preprocessing.Normalizer",
    "sklearn.preprocessing.LabelEncoder",
    "sklearn.preprocessing.PolynomialFeatures",
    "sklearn.decomposition.PCA",
    "sklearn.impute.SimpleImputer",
    "sklearn.feature_selection.VarianceThreshold",
    "sklearn.svm.SVC",
    "sklearn.svm.SVR",
    "sklearn.svm.LinearSVC",
    "sklearn.svm.LinearSVR",
    "sklearn.linear_model.LogisticRegression",
    "sklearn.linear_model.LinearRegression",
    "sklearn.linear_model.Ridge",
    "sklearn.linear_model.RidgeClassifier",
    "sklearn.linear_model.SGDClassifier",
    "sklearn.linear_model.SGDRegressor",
    "sklearn.dummy.DummyClassifier",
    "sklearn.dummy.DummyRegressor",
    "numpy.random.RandomState",
]
_TORCH_TRUSTED = [
    "torch.optim.SGD",
    "torch.optim.Adam",
    "torch.optim.AdamW",
    "torch.optim.RMSprop",
    "torch.optim.Adagrad",
    "torch.nn.CrossEntropyLoss",
    "torch.nn.NLLLoss",
    "torch.nn.MSELoss",
    "torch.nn.L1Loss",
    "torch.nn.SmoothL1Loss",
    "torch.nn.HuberLoss",
    "torch.nn.BCEWithLogitsLoss",
    "torch.utils.data.DataLoader",
    "skorch.dataset.Dataset",
    "skorch.dataset.ValidSplit",
    "skorch.callbacks.EarlyStopping",
    "skorch.callbacks.LRScheduler",
    "skorch.callbacks.GradientNormClipping",
]
# The package's own public classes: every name exported by these subpackages.
_PACKAGE_TRUSTED = (
    "skforensics.feature",
    "skforensics.models",
    "skforensics.nn",
)


def _package_trusted():
    """The public classes of skforensics, by dotted name (no import here).

    The names are read from the subpackages' ``__all__`` when they are
    already imported, and otherwise parsed from their ``__init__.py`` source,
    so that checking a file never imports torch for a numpy-only model.
    """
    import ast

    names = set()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for package in _PACKAGE_TRUSTED:
        module = sys.modules.get(package)
        if module is not None and hasattr(module, "__all__"):
            exported = module.__all__
        else:
            init = os.path.join(root, *package.split(".")[1:], "__init__.py")
            with open(init, encoding="utf-8") as f:
                tree = ast.parse(f.read())
            exported = []
            for node in tree.body:
                if isinstance(node, ast.Assign) and any(
                    getattr(t, "id", None) == "__all__" for t in node.targets
                ):
                    exported = ast.literal_eval(node.value)
        # Classes are capitalised; functions (pretrained, select_patches, ...)
        # are never rebuilt from a model file.
        names.update(f"{package}.{n}" for n in exported if n[:1].isupper())
    return names


def default_trusted():
    """The dotted names that :func:`load_model` trusts by default.

    Returns
    -------
    names : set of str
        Public dotted names of classes.
    """
    return _package_trusted() | set(_SKLEARN_TRUSTED) | set(_TORCH_TRUSTED)


# ----------------------------------------------------------------- names


def public_name(obj):
    """The shortest importable dotted name of a class or function.

    ``sklearn.svm._classes.SVC`` is written ``sklearn.svm.SVC``; only modules
    already imported are tried, so naming imports nothing.
    """
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        raise TypeError(
            f"{obj!r} has no importable name (a lambda, a local function or "
            "class?); model files can only refer to module-level names."
        )
    parts = module.split(".")
    for end in range(1, len(parts) + 1):
        prefix = ".".join(parts[:end])
        candidate = sys.modules.get(prefix)
        found = candidate
        for attr in qualname.split("."):
            found = getattr(found, attr, None)
        if candidate is not None and found is obj:
            return f"{prefix}.{qualname}"
    raise TypeError(f"{module}.{qualname} cannot be found again by its name.")


def _resolve(name):
    """Import the object a trusted dotted name refers to."""
    parts = name.split(".")
    for end in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:end]))
        except ImportError:
            continue
        try:
            for attr in parts[end:]:
                obj = getattr(obj, attr)
        except AttributeError:
            break
        return obj
    raise ValueError(f"The model file names {name!r}, which cannot be imported.")


# --------------------------------------------------------------- encoding


# Codecs of the objects this layer does not know, registered by the layers
# above (``skforensics.models`` registers the torch one): (encode, decode).
_CODECS = []


def register_codec(encode, decode):
    """Teach :func:`save_model` and :func:`load_model` another kind of object.

    A higher layer registers its codec when it is imported, so that this
    module never imports it (each layer imports only the layers below it).

    Parameters
    ----------
    encode : callable
        ``encode(writer, value, where)`` returns the JSON node of ``value``
        (its arrays added with ``writer.add_array``), or ``NotImplemented``
        for a value it does not handle.
    decode : callable
        ``decode(reader, node)`` rebuilds the value of a node, or returns
        ``NotImplemented`` for a node it did not write.
    """
    if (encode, decode) not in _CODECS:
        _CODECS.append((encode, decode))


def _decode_registered(reader, node):
    """The value of a node only a registered codec knows."""
    for attempt in range(2):
        for _, decode in _CODECS:
            value = decode(reader, node)
            if value is not NotImplemented:
                return value
        # The codec of a net or module comes with the package that defines
        # it: resolving the (trusted) name imports it, then try again.
        names = [node[k] for k in ("__net__", "__module__") if k in node]
        if attempt or not names:
            break
        _resolve(names[0])
    if not _CODECS and set(node) & {"__tensor__", "__device__", "__net__", "__module__"}:
        raise ValueError(
            f"Model file '{reader.path}' holds torch objects; import "
            "skforensics.models (pip install skforensics[torch]) to load it."
        )
    raise ValueError(
        f"Model file '{reader.path}' is damaged: unknown entry {sorted(node)}."
    )


class _Writer:
    """Turns an object into JSON, collecting its arrays under short keys."""

    def __init__(self):
        self.arrays = {}

    def add_array(self, array):
        key = f"a{len(self.arrays)}"
        self.arrays[key] = array
        return key

    def refuse(self, value, where, hint=""):
        raise TypeError(
            f"Cannot save {where}: it holds a {type(value).__module__}."
            f"{type(value).__qualname__}, which skforensics model files cannot "
            f"store (they hold arrays and plain values only, so that loading "
            f"runs no code).{hint}"
        )

    def encode(self, value, where):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, tuple):
            return {"__tuple__": [
                self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)
            ]}
        if isinstance(value, dict):
            return {"__dict__": [
                [self.encode(k, f"{where} key"), self.encode(v, f"{where}[{k!r}]")]
                for k, v in value.items()
            ]}
        if isinstance(value, np.ndarray):
            return self._encode_array(value, where)
        if isinstance(value, np.generic):
            return {"__scalar__": self._encode_array(np.asarray(value), where)}
        if isinstance(value, np.dtype):
            return {"__dtype__": value.str}
        if isinstance(value, np.random.RandomState):
            return {
                "__object__": public_name(np.random.RandomState),
                "state": self.encode(value.get_state(), where),
            }
        for encode, _ in _CODECS:
            encoded = encode(self, value, where)
            if encoded is not NotImplemented:
                return encoded
        if isinstance(value, type) or inspect.isfunction(value) or inspect.isbuiltin(value):
            if isinstance(value, type) and issubclass(value, np.generic):
                return {"__dtype__": np.dtype(value).str}
            return {"__name__": public_name(value)}
        if hasattr(value, "get_params") and hasattr(value, "fit"):
            return self.encode_estimator(value, where)
        params = _init_params(value)
        if params is not None:
            # A small object rebuilt from its constructor arguments (a
            # validation split, a callback).
            return {
                "__object__": public_name(type(value)),
                "params": self.encode(params, where),
            }
        self.refuse(value, where)

    def _encode_array(self, array, where):
        if array.dtype.hasobject:
            items = array.ravel().tolist()
            if not all(v is None or isinstance(v, (bool, int, float, str)) for v in items):
                self.refuse(array.ravel()[0], f"{where} (an object array)")
            return {"__object_array__": items, "shape": list(array.shape)}
        return {"__array__": self.add_array(np.ascontiguousarray(array))}

    def encode_estimator(self, estimator, where):
        """A scikit-learn-style estimator: its class and its whole state."""
        name = type(estimator).__name__
        state = estimator.__getstate__() if hasattr(estimator, "__getstate__") else None
        if not isinstance(state, dict):
            state = dict(vars(estimator))
        return {
            "__estimator__": public_name(type(estimator)),
            "state": {
                str(k): self.encode(v, f"{where}.{k}" if where else f"{name}.{k}")
                for k, v in state.items()
            },
        }


def _init_params(value):
    """The constructor arguments of ``value``, if it keeps them all, else None."""
    if hasattr(value, "get_params"):
        try:
            return dict(value.get_params(deep=False))
        except TypeError:
            return None
    try:
        signature = inspect.signature(type(value).__init__)
    except (TypeError, ValueError):
        return None
    params = {}
    for name, parameter in list(signature.parameters.items())[1:]:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            return None
        if name not in getattr(value, "__dict__", {}):
            return None
        params[name] = value.__dict__[name]
    # Only objects whose whole state is their arguments: nothing is lost.
    return params if set(params) == set(vars(value)) else None


def save_model(estimator, path):
    """Save an estimator to a model file that loading cannot make run code.

    The file is a NumPy ``.npz`` archive: the estimator's class (by its
    public name), constructor parameters and fitted attributes as JSON, and
    every array and network weight as an ``.npy`` entry. It stores no
    pickle; :func:`load_model` rebuilds the estimator from that data alone.

    Read more in the :ref:`User Guide <persistence>`.

    Parameters
    ----------
    estimator : estimator
        A fitted (or unfitted) skforensics estimator, a scikit-learn
        :class:`~sklearn.pipeline.Pipeline` of them, or any scikit-learn
        estimator whose state is made of arrays and plain values. The torch
        estimators of :mod:`skforensics.models` are saved as their
        parameters, fitted attributes, training history and network weights
        (moved to CPU); the optimizer's state is not saved.
    path : str or path-like
        Destination file; it is written whole or not at all. Any extension
        is accepted (``.skf`` by convention).

    Raises
    ------
    TypeError
        If the estimator holds something a model file cannot store (e.g. a
        lambda, or a decision tree's compiled ``tree_``). The message names
        the attribute.

    See Also
    --------
    load_model : Load the file back.

    Examples
    --------
    >>> import os, tempfile
    >>> from skforensics.feature import BRISQUEExtractor
    >>> from skforensics.utils import make_test_images, save_model, load_model
    >>> X = make_test_images(3, 32)
    >>> path = os.path.join(tempfile.mkdtemp(), "brisque.skf")
    >>> save_model(BRISQUEExtractor().fit(X), path)
    >>> load_model(path).transform(X).shape
    (3, 36)
    """
    writer = _Writer()
    model = writer.encode(estimator, "")
    header = {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "versions": _versions(),
        "model": model,
    }
    entries = dict(writer.arrays)
    entries[HEADER_KEY] = np.array(json.dumps(header))
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".skf-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **entries)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _versions():
    import sklearn

    from .. import __version__

    versions = {"skforensics": __version__, "sklearn": sklearn.__version__,
                "numpy": np.__version__}
    if "torch" in sys.modules:
        versions["torch"] = sys.modules["torch"].__version__
    return versions


# --------------------------------------------------------------- decoding


def _named(node):
    """Every dotted name a JSON model tree refers to."""
    names = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key in ("__estimator__", "__name__", "__object__", "__net__", "__module__"):
                if isinstance(item.get(key), str):
                    names.add(item[key])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return names


class _Reader:
    """Rebuilds objects from the JSON tree and the archive's arrays."""

    def __init__(self, archive, path, device):
        self.archive = archive
        self.path = path
        self.device = device

    def array(self, key):
        if key == HEADER_KEY or key not in self.archive.files:
            raise ValueError(
                f"Model file '{self.path}' is damaged: it refers to the missing "
                f"array {key!r}."
            )
        try:
            return self.archive[key]
        except ValueError as exc:  # an object array: numpy would unpickle it
            raise ValueError(
                f"Model file '{self.path}' holds a pickled array ({key!r}); it "
                "is refused unread, since unpickling can run any code. Model "
                f"files written by save_model never hold one ({exc})."
            ) from None

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            raise ValueError(f"Model file '{self.path}' is damaged.")
        if "__tuple__" in node:
            return tuple(self.decode(v) for v in node["__tuple__"])
        if "__dict__" in node:
            return {self.decode(k): self.decode(v) for k, v in node["__dict__"]}
        if "__array__" in node:
            return self.array(node["__array__"])
        if "__scalar__" in node:
            return self.decode(node["__scalar__"])[()]
        if "__object_array__" in node:
            out = np.empty(len(node["__object_array__"]), dtype=object)
            out[:] = node["__object_array__"]
            return out.reshape(node["shape"])
        if "__dtype__" in node:
            return np.dtype(node["__dtype__"])
        if "__name__" in node:
            return _resolve(node["__name__"])
        if "__object__" in node:
            cls = _resolve(node["__object__"])
            if cls is np.random.RandomState:
                rng = np.random.RandomState()
                rng.set_state(self.decode(node["state"]))
                return rng
            return cls(**self.decode(node["params"]))
        if "__estimator__" in node:
            return self._estimator(node)
        return _decode_registered(self, node)

    def _estimator(self, node):
        cls = _resolve(node["__estimator__"])
        if not isinstance(cls, type):
            raise ValueError(f"{node['__estimator__']} is not a class.")
        state = {k: self.decode(v) for k, v in node["state"].items()}
        estimator = cls.__new__(cls)
        if hasattr(estimator, "__setstate__"):
            # scikit-learn's own: warns when the file was written by another
            # version of scikit-learn.
            estimator.__setstate__(state)
        else:
            estimator.__dict__.update(state)
        return estimator


def _read_header(archive, path):
    if HEADER_KEY not in archive.files:
        raise ValueError(
            f"'{path}' is not a skforensics model file: it is a zip archive "
            f"without the {HEADER_KEY!r} entry (a torch checkpoint or another "
            "program's archive?). Model files are written by "
            "skforensics.utils.save_model."
        )
    try:
        header = json.loads(str(archive[HEADER_KEY][()]))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"Model file '{path}' is damaged ({exc}).") from exc
    if not isinstance(header, dict) or header.get("format") != MODEL_FORMAT:
        raise ValueError(f"'{path}' is not a skforensics model file.")
    version = header.get("format_version")
    if not isinstance(version, int) or version > MODEL_FORMAT_VERSION:
        from .. import __version__

        written = header.get("versions", {}).get("skforensics", "unknown")
        raise ValueError(
            f"Model file '{path}' was written by skforensics {written} in model "
            f"format {version}; this skforensics {__version__} reads format "
            f"{MODEL_FORMAT_VERSION} and earlier. Upgrade skforensics "
            "(pip install -U skforensics) to load it."
        )
    return header


def _open_archive(path):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Model file not found: '{path}'.")
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic[:1] == b"\x80":
        raise ValueError(
            f"'{path}' is a pickle, not a skforensics model file. It is refused "
            "unread: loading a pickle can run any code its author put in it. "
            "Unpickle it yourself only if you trust its author."
        )
    if magic != b"PK\x03\x04":
        raise ValueError(
            f"'{path}' is not a skforensics model file (not an .npz archive; "
            "model files are written by skforensics.utils.save_model)."
        )
    try:
        return np.load(path, allow_pickle=False)
    except Exception as exc:
        raise ValueError(
            f"Cannot read model file '{path}': it is truncated or corrupt ({exc})."
        ) from exc


def load_model(path, *, trusted=None, device="cpu"):
    """Load an estimator saved by :func:`save_model`, running no code from the file.

    The file's JSON names the classes to rebuild. Each name is checked
    against the trusted names (the public classes of skforensics, the
    scikit-learn, skorch and torch building blocks their pipelines use, and
    ``trusted``) before anything is imported; a name outside them refuses
    the whole file. Arrays are read with ``allow_pickle=False``.

    Read more in the :ref:`User Guide <persistence>`.

    Parameters
    ----------
    path : str or path-like
        A model file.
    trusted : sequence of str, default=None
        More dotted names to trust, e.g. ``["sklearn.ensemble.StackingClassifier"]``
        or your own module's classes. Trust only names whose classes rebuild
        from data; the error message of a refused file lists the names it
        needs.
    device : str or None, default="cpu"
        Device of the torch estimators once loaded (skorch's ``device``),
        whatever device they were fitted on; None keeps the saved one.

    Returns
    -------
    estimator : estimator
        The estimator as it was saved, with its fitted attributes.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a model file (a pickle, a torch checkpoint, a
        truncated file), was written in a newer model format, or names a
        class or function that is not trusted. The message names the file
        and, for untrusted names, lists them.

    See Also
    --------
    save_model : Write a model file.

    Examples
    --------
    >>> import os, tempfile
    >>> from skforensics.feature import MSCNTransformer
    >>> from skforensics.utils import make_test_images, save_model, load_model
    >>> X = make_test_images(2, 16)
    >>> path = os.path.join(tempfile.mkdtemp(), "mscn.skf")
    >>> save_model(MSCNTransformer().fit(X), path)
    >>> type(load_model(path)).__name__
    'MSCNTransformer'
    """
    path = os.fspath(path)
    archive = _open_archive(path)
    with archive:
        header = _read_header(archive, path)
        allowed = default_trusted() | set(trusted or ())
        untrusted = sorted(_named(header["model"]) - allowed)
        if untrusted:
            raise ValueError(
                f"Model file '{path}' names types that are not trusted: "
                f"{', '.join(untrusted)}. Nothing was loaded. If you trust the "
                "file's author and these classes rebuild from data alone, pass "
                f"them as load_model(path, trusted={untrusted!r})."
            )
        return _Reader(archive, path, device).decode(header["model"])
