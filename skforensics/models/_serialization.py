"""The torch half of model files, and the pixelwise JPEG weights.

**Model files.** :func:`encode_torch` and :func:`decode_torch` are the torch
codec of the package's model files (:func:`skforensics.utils.save_model`):
a skorch net is stored as its parameters, its fitted attributes, its
training history and the state dicts of its modules and criteria, as
arrays; a module instance as its constructor config and state dict. No
pickle is written or read: :func:`skforensics.utils.load_model` rebuilds
them from that data. ``utils`` never imports this module: it is registered
there (:func:`skforensics.utils._persistence.register_codec`) when
``skforensics.models`` is imported.

**JPEG weights.** The shipped pixelwise JPEG models are model files
(``weights/jpeg-quality.skf``, ``jpeg-quality-fast.skf``), which
:func:`load_pretrained_jpeg` reads with ``load_model``. It also reads the
*weights files* that ``scripts/train_jpeg_quality.py`` writes with
:func:`save_jpeg_weights`: a ``torch.save`` dict that
``torch.load(weights_only=True)`` reads, holding ``"format"``, ``"module"``
(the net's constructor arguments, as plain values, from
:func:`module_config`), ``"state_dict"`` (float16 by default, loaded back as
float32), the quality calibration and JSON metadata.
"""

import importlib.resources
import inspect
import json
import os

import numpy as np
import torch
from skorch import NeuralNet
from skorch.history import History

from ..utils._persistence import _resolve, public_name, register_codec
from ._jpeg import PixelwiseJPEGRegressor

__all__ = [
    "WEIGHTS_FORMAT",
    "decode_torch",
    "encode_torch",
    "load_pretrained_jpeg",
    "save_jpeg_weights",
]

# The format of the pixelwise JPEG weights files.
WEIGHTS_FORMAT = "skforensics-jpeg-quality/1"


def _weights_dir():
    """The folder of the weights shipped inside the package."""
    weights = importlib.resources.files("skforensics.models") / "weights"
    return os.path.abspath(os.fspath(weights))


def _default_weights_path():
    return os.path.join(_weights_dir(), "jpeg-quality.skf")


def _plain(value):
    """A JSON-ready stand-in for ``value`` (``json.dumps``'s ``default``)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _plain_config(value):
    """``value`` with tuples as lists and numpy scalars as Python ones."""
    if isinstance(value, (tuple, list)):
        return [_plain_config(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain_config(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def module_config(module):
    """The constructor arguments that rebuild ``module``, as plain values.

    The module's own ``config()`` if it has one (as
    :class:`~skforensics.nn.JPEGQualityNet` does), else the attributes named
    like the arguments of its ``__init__``.

    Parameters
    ----------
    module : torch.nn.Module
        The net.

    Returns
    -------
    config : dict
        Argument name to value; sequences as lists, for ``torch.load(...,
        weights_only=True)`` and JSON alike.

    Raises
    ------
    TypeError
        If the module has no ``config()`` and does not store an argument of
        its ``__init__`` under the argument's name.
    """
    if callable(getattr(module, "config", None)):
        config = module.config()
    else:
        config = {}
        signature = inspect.signature(type(module).__init__)
        for name, parameter in list(signature.parameters.items())[1:]:
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            if not hasattr(module, name):
                raise TypeError(
                    f"Cannot save the config of {type(module).__name__}: it does "
                    f"not store its {name!r} argument; give it a config() method."
                )
            config[name] = getattr(module, name)
    return _plain_config(config)


def _constructor_kwargs(config):
    """The stored config as constructor arguments: lists back to tuples."""
    return {
        key: tuple(value) if isinstance(value, list) else value
        for key, value in config.items()
    }


def _save_weights(path, *, format, module, dtype=torch.float16, **extra):
    """Write ``module``'s config and state dict (floats as ``dtype``)."""
    state = {
        k: v.detach().to("cpu", dtype if v.is_floating_point() else v.dtype)
        for k, v in module.state_dict().items()
    }
    checkpoint = {"format": format, "module": module_config(module)}
    checkpoint["state_dict"] = state
    checkpoint.update(extra)
    torch.save(checkpoint, os.fspath(path))


def _read_weights(path, *, format, kind, packaged, hint=""):
    """Load a weights file of ``format``, or say why it cannot be read.

    ``kind`` names the file in messages; ``packaged`` says whether the file
    should have been installed with the package, and ``hint`` how to make
    weights of one's own if it was not.
    """
    _check_exists(path, kind=kind, packaged=packaged, hint=hint)
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(f"Cannot read '{path}' as a {kind} file ({exc}).") from exc
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != format:
        raise ValueError(f"'{path}' is not a {kind} file (expected format {format!r}).")
    checkpoint["state_dict"] = {
        k: v.float() if v.is_floating_point() else v
        for k, v in checkpoint["state_dict"].items()
    }
    return checkpoint


def _check_exists(path, *, kind, packaged, hint=""):
    """FileNotFoundError saying what is missing, and what to do about it."""
    if os.path.isfile(path):
        return
    if packaged:
        name = os.path.splitext(os.path.basename(path))[0]
        raise FileNotFoundError(
            f"The packaged {name!r} weights are missing: '{path}' does "
            "not exist, so this installation of skforensics is incomplete; "
            f"reinstall it.{hint}"
        )
    raise FileNotFoundError(f"{kind} file not found: '{path}'.")


def save_jpeg_weights(estimator, path, *, metadata=None, dtype=torch.float16):
    """Write a fitted estimator's net to a small weights file.

    Parameters
    ----------
    estimator : PixelwiseJPEGRegressor
        A fitted estimator. Its net's constructor config is stored as the
        net gives it (see :func:`module_config`), so any configuration of
        :class:`~skforensics.nn.JPEGQualityNet` loads back.
    path : str or path-like
        Destination, conventionally ending in ``.pt``.
    metadata : dict, default=None
        JSON-like facts to keep with the weights (data, settings, training
        time, benchmark figures).
    dtype : torch.dtype, default=torch.float16
        Storage type of the weights; they load back as float32.
    """
    calibration = getattr(estimator, "quality_calibration_", None) or {}
    _save_weights(
        path,
        format=WEIGHTS_FORMAT,
        module=estimator.module_,
        dtype=dtype,
        quality_calibration={
            name: [np.asarray(knots, dtype=np.float64).tolist() for knots in pair]
            for name, pair in calibration.items()
        },
        # Plain JSON types only, so that torch.load(weights_only=True) reads it.
        metadata=json.loads(json.dumps(metadata or {}, default=_plain)),
    )


def load_pretrained_jpeg(*, path=None, device="cpu", **kwargs):
    """Load the shipped pixelwise JPEG weights as a fitted estimator.

    This is what ``skforensics.models.pretrained("jpeg-quality")`` returns.
    Nothing is downloaded: the weights are a file inside the package.

    Parameters
    ----------
    path : str or path-like, default=None
        A model file written by :func:`~skforensics.utils.save_model`
        (``.skf``, read by :func:`~skforensics.utils.load_model`: no pickle,
        no code run) or a weights file written by
        ``scripts/train_jpeg_quality.py`` (``.pt``, read with
        ``torch.load(weights_only=True)``). None loads the packaged
        ``skforensics/models/weights/jpeg-quality.skf``.
    device : str, default="cpu"
        Where the net runs.
    **kwargs
        Other :class:`PixelwiseJPEGRegressor` parameters, e.g.
        ``tile_size``; with a ``.skf`` file, only parameters that leave the
        net as it is (not ``module__*``).

    Returns
    -------
    estimator : PixelwiseJPEGRegressor
        A fitted estimator, ready for ``predict``, ``predict_proba`` and
        ``predict_maps``. The file's metadata (training data, settings,
        measured benchmark) is in ``estimator.pretrained_info_``.

    Raises
    ------
    FileNotFoundError
        If the weights file does not exist.
    ValueError
        If the file is not a pixelwise JPEG weights file.

    Examples
    --------
    >>> from skforensics.models import load_pretrained_jpeg
    >>> from skforensics.utils import make_test_images
    >>> est = load_pretrained_jpeg()
    >>> type(est).__name__
    'PixelwiseJPEGRegressor'
    >>> X = make_test_images(1, 96, n_channels=3)
    >>> quality_maps, flag_maps = est.predict_maps(X)
    >>> quality_maps.shape, flag_maps.shape
    ((1, 96, 96), (1, 96, 96))
    """
    if path is None:
        path, packaged = _default_weights_path(), True
    else:
        path = os.fspath(path)
        packaged = os.path.dirname(os.path.abspath(path)) == _weights_dir()
    if path.endswith(".skf"):
        return _load_jpeg_model(path, packaged=packaged, device=device, **kwargs)
    checkpoint = _read_weights(
        path,
        format=WEIGHTS_FORMAT,
        kind="pixelwise JPEG weights",
        packaged=packaged,
        hint=(
            " Weights of your own (`python scripts/train_jpeg_quality.py --data "
            "DIR --out jpeg-quality.pt`) load with load_pretrained_jpeg(path=...)."
        ),
    )
    config = _constructor_kwargs(checkpoint["module"])
    params = {f"module__{k}": v for k, v in config.items()}
    params.update(verbose=0, device=device)
    params.update(kwargs)
    estimator = PixelwiseJPEGRegressor(**params).initialize()
    estimator.module_.load_state_dict(checkpoint["state_dict"])
    estimator.module_.to(device)
    estimator.n_channels_in_ = 3
    calibration = checkpoint.get("quality_calibration") or {}
    estimator.quality_calibration_ = {
        name: tuple(np.asarray(knots, dtype=np.float64) for knots in pair)
        for name, pair in calibration.items()
    } or None
    estimator.pretrained_info_ = checkpoint.get("metadata", {})
    return estimator


def _load_jpeg_model(path, *, packaged, device, **kwargs):
    """A fitted PixelwiseJPEGRegressor from a save_model file."""
    from ..utils import load_model

    _check_exists(path, kind="pixelwise JPEG model", packaged=packaged)
    estimator = load_model(path, device=device)
    if not isinstance(estimator, PixelwiseJPEGRegressor):
        raise ValueError(
            f"'{path}' holds a {type(estimator).__name__}, not a "
            "PixelwiseJPEGRegressor."
        )
    net_params = sorted(k for k in kwargs if k.startswith("module__"))
    if net_params:
        raise ValueError(
            f"{', '.join(net_params)} would rebuild the net of '{path}' and "
            "lose its weights; pass parameters that leave the net as it is."
        )
    # set_params would say so too, with the whole net's repr in the message.
    known = estimator.get_params(deep=False)
    unknown = sorted(k for k in kwargs if k.split("__")[0] not in known)
    if unknown:
        import difflib

        hints = ""
        for name in unknown:
            match = difflib.get_close_matches(name.split("__")[0], known, n=1)
            hints += f" ({name}: did you mean {match[0]!r}?)" if match else ""
        raise ValueError(
            f"load_pretrained_jpeg got unknown PixelwiseJPEGRegressor "
            f"parameter(s) {', '.join(unknown)}{hints}."
        )
    if kwargs:
        estimator.set_params(**kwargs)
    return estimator


# ------------------------------------------------------------ model files

# skorch's own bookkeeping, rebuilt by ``initialize()`` on load.
_SKORCH_STATE = {
    "callbacks_",
    "cuda_dependent_attributes_",
    "history_",
    "init_context_",
    "initialized_",
    "prefixes_",
    "virtual_params_",
}


def _encode_tensor(writer, tensor):
    tensor = tensor.detach().to("cpu")
    dtype = str(tensor.dtype).removeprefix("torch.")
    if tensor.dtype == torch.bfloat16:  # numpy has no bfloat16
        tensor = tensor.float()
    return {"__tensor__": writer.add_array(tensor.numpy()), "dtype": dtype}


def _decode_tensor(reader, node):
    array = reader.array(node["__tensor__"])
    tensor = torch.from_numpy(np.array(array, copy=True))
    dtype = getattr(torch, str(node.get("dtype", "")), None)
    return tensor.to(dtype) if isinstance(dtype, torch.dtype) else tensor


def _encode_state_dict(writer, module):
    return {k: _encode_tensor(writer, v) for k, v in module.state_dict().items()}


def _decode_state_dict(reader, state):
    return {k: _decode_tensor(reader, v) for k, v in state.items()}


def encode_torch(writer, value, where):
    """The JSON of a torch object for a model file, or ``NotImplemented``.

    Parameters
    ----------
    writer : skforensics.utils._persistence._Writer
        Collects the arrays and encodes plain values.
    value : object
        A skorch net, a torch module instance, a tensor or a device; anything
        else gives ``NotImplemented``.
    where : str
        Where ``value`` sits in the saved estimator, for messages.

    Returns
    -------
    node : dict or NotImplemented
        JSON-ready description whose arrays are in ``writer.arrays``.
    """
    if isinstance(value, NeuralNet):
        name = type(value).__name__
        where = where or name
        # skorch registers each module, criterion and optimizer by its
        # prefix; the object itself is the attribute named prefix + "_".
        own = {
            f"{prefix}_"
            for group in ("_modules", "_criteria", "_optimizers")
            for prefix in getattr(value, group, [])
        }
        fitted = {
            k: v
            for k, v in vars(value).items()
            if k.endswith("_")
            and not k.startswith("_")
            and k not in _SKORCH_STATE
            and k not in own
        }
        node = {
            "__net__": public_name(type(value)),
            "params": writer.encode(value.get_params(deep=False), where),
            "fitted": writer.encode(fitted, where),
            "initialized": bool(getattr(value, "initialized_", False)),
        }
        if node["initialized"]:
            node["modules"] = {
                f"{prefix}_": _encode_state_dict(writer, getattr(value, f"{prefix}_"))
                for prefix in [*value._modules, *value._criteria]
                if isinstance(getattr(value, f"{prefix}_", None), torch.nn.Module)
            }
            node["history"] = writer.encode(
                value.history_.to_list(), f"{where}.history_"
            )
        return node
    if isinstance(value, torch.nn.Module):
        return {
            "__module__": public_name(type(value)),
            "config": writer.encode(module_config(value), where),
            "state": _encode_state_dict(writer, value),
        }
    if isinstance(value, torch.Tensor):
        return _encode_tensor(writer, value)
    if isinstance(value, torch.device):
        return {"__device__": str(value)}
    return NotImplemented


def decode_torch(reader, node):
    """Rebuild a torch object written by :func:`encode_torch`.

    Parameters
    ----------
    reader : skforensics.utils._persistence._Reader
        Reads the archive's arrays and decodes plain values; its ``device``
        (None to keep the saved one) is where skorch nets are loaded.
    node : dict
        The JSON written by :func:`encode_torch`; its names were checked
        against the trusted names before this call.

    Returns
    -------
    value : object
        The skorch net (fitted if it was), module, tensor or device.
    """
    if "__tensor__" in node:
        return _decode_tensor(reader, node)
    if "__device__" in node:
        return torch.device(node["__device__"])
    if "__module__" in node:
        config = reader.decode(node["config"])
        module = _resolve(node["__module__"])(**_constructor_kwargs(config))
        module.load_state_dict(_decode_state_dict(reader, node["state"]))
        return module
    if "__net__" in node:
        cls = _resolve(node["__net__"])
        params = reader.decode(node["params"])
        if reader.device is not None:
            params["device"] = reader.device
        net = cls(**params)
        fitted = reader.decode(node["fitted"])
        # Fitted attributes first: they size the module built by initialize().
        for name, value in fitted.items():
            setattr(net, name, value)
        if node.get("initialized"):
            net.initialize()
            for attr, state in node.get("modules", {}).items():
                getattr(net, attr).load_state_dict(_decode_state_dict(reader, state))
            net.history_ = History(reader.decode(node.get("history", [])))
        return net
    return NotImplemented


# save_model and load_model (in ``utils``, below this layer) learn torch
# objects from this registration, never by importing this module.
register_codec(encode_torch, decode_torch)
