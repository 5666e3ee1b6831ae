"""Inference, written once: the evaluation copy, the module probe, the tile loop.

- :func:`inference_module`: the evaluation copy of a fitted net (batch norm
  folded into the convolutions, channels_last), made once per net and kept
  until its weights change, so a predict call on one small image does not
  pay a deep copy and a fusion;
- :func:`probe_module`: a net run on a batch of zero patches in evaluation
  mode, its training mode restored, to check that it takes the patch size
  and to see what its layers give;
- :func:`patch_grid_outputs`: the one batched loop over the patch grids of
  a collection (patch estimators' outputs, the embedder's activations),
  with one reused batch buffer so that memory stays bounded;
- :func:`resolve_precision` and :func:`bfloat16_copy`: an inference
  precision as this machine runs it, and the bfloat16 copy of an inference
  copy's layers after the first, made once.
"""

import copy
import threading
import weakref

import numpy as np
import torch

from ..feature._patches import extract_patches
from ..utils._param_validation import invalid_parameter
from ._skorch_compat import _fuse_conv_bn

__all__ = [
    "bfloat16_copy",
    "inference_module",
    "patch_grid_outputs",
    "probe_module",
    "resolve_precision",
]

# module -> {(device, fuse, channels_last): (versions, copy)}. Keyed weakly on the trained
# module itself: a refit or a ``set_params(module__...)`` builds a new
# module (a new key), and the entry of the old one goes with it.
_COPIES = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _versions(module):
    """Identity and in-place version of every parameter and buffer.

    Training steps, ``load_state_dict`` and ``load_params`` change tensors
    in place, which bumps their version counters; swapping a tensor
    changes its storage. Either makes a cached copy stale.
    """
    return tuple(
        (name, tensor.data_ptr(), tensor._version, tensor.dtype, tuple(tensor.shape))
        for name, tensor in module.state_dict(keep_vars=True).items()
    )


def inference_module(module, *, device="cpu", fuse=True, channels_last=True):
    """The evaluation copy of ``module``, made once and reused while valid.

    The copy is in evaluation mode, on ``device``, channels_last unless
    told otherwise, and with ``fuse`` its batch norms folded into the
    preceding convolutions. It is
    made again when any parameter or buffer of ``module`` changes (a
    training step, loaded weights) or when ``module`` is replaced (a refit,
    ``set_params``). Callers must not modify the copy's tensors.

    Parameters
    ----------
    module : torch.nn.Module
        The trained net (e.g. an estimator's ``module_``).
    device : str or torch.device, default="cpu"
        Where the copy lives.
    fuse : bool, default=True
        Fold batch norm into the convolutions (the same maps up to float
        rounding, fewer passes over memory).
    channels_last : bool, default=True
        Keep the copy's weights channels_last (faster convolutions on CPU).

    Returns
    -------
    copy : torch.nn.Module
        The evaluation copy.
    """
    key = (str(device), bool(fuse), bool(channels_last))
    versions = _versions(module)
    with _LOCK:
        entries = _COPIES.get(module)
        if entries is not None and key in entries and entries[key][0] == versions:
            return entries[key][1]
    evaluated = copy.deepcopy(module).eval()
    if fuse:
        evaluated = _fuse_conv_bn(evaluated)
    evaluated = evaluated.to(device)
    if channels_last:
        evaluated = evaluated.to(memory_format=torch.channels_last)
    with _LOCK:
        _COPIES.setdefault(module, {})[key] = (versions, evaluated)
    return evaluated


def clear_inference_cache():
    """Forget every cached evaluation copy (tests, memory)."""
    with _LOCK:
        _COPIES.clear()


class ProbeCaptured(Exception):
    """Raised by a forward hook to stop a net once it has what it wants."""


def probe_module(module, n_channels, patch_size, *, hooks=()):
    """Run ``module`` on two zero patches, in evaluation mode, no gradient.

    Parameters
    ----------
    module : torch.nn.Module
        The net; its training mode is restored afterwards.
    n_channels : int
        Channels of the patches.
    patch_size : tuple of (int, int)
        ``(height, width)`` of the patches.
    hooks : sequence of (torch.nn.Module, callable), default=()
        Forward hooks registered for the probe and removed after it. A hook
        may raise :class:`ProbeCaptured` to stop the forward pass.

    Returns
    -------
    out : torch.Tensor or None
        The output, None when a hook stopped the pass.

    Raises
    ------
    RuntimeError
        What the net raises on patches it cannot take.
    """
    handles = [target.register_forward_hook(hook) for target, hook in hooks]
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            return module(torch.zeros((2, n_channels) + tuple(patch_size)))
    except ProbeCaptured:
        return None
    finally:
        module.train(was_training)
        for handle in handles:
            handle.remove()


def patch_grid_outputs(X, *, patches_of, forward, batch_size, n_channels, patch_size):
    """Outputs of ``forward`` for the patch grid of every image, batched.

    The patches of all images are copied, in order, into one reused buffer
    of ``batch_size`` patches; each full buffer (and the last, partial one)
    goes through ``forward`` under ``torch.inference_mode``. Memory stays
    that of one batch whatever the images' sizes.

    Parameters
    ----------
    X : image collection
        Checked images, indexed one at a time.
    patches_of : callable
        ``patches_of(image)`` returns the patch grid of one ``(H, W, C)``
        image as an array of shape ``(U, V, ph, pw, C)`` (a view).
    forward : callable
        ``forward(x)`` takes a float32 tensor of shape ``(n, C, ph, pw)``
        (channels_last memory) and returns an ndarray with ``n`` rows.
    batch_size : int
        Patches per batch.
    n_channels : int
        Channels of the images.
    patch_size : tuple of (int, int)
        ``(ph, pw)``.

    Returns
    -------
    outputs : list of ndarray
        Per image, an array of shape ``(U, V, K)`` (K outputs per patch,
        flattened), float32 as ``forward`` returns it.
    """
    ph, pw = patch_size
    buffer = np.empty((batch_size, ph, pw, n_channels), dtype=np.float32)
    results, grids = [], []
    filled = 0

    def flush(n):
        # (B, ph, pw, C) memory is NCHW in channels_last: no copy.
        out = forward(torch.from_numpy(buffer[:n]).permute(0, 3, 1, 2))
        results.append(np.asarray(out).reshape(n, -1).copy())

    with torch.inference_mode():
        for index in range(len(X)):
            image = np.asarray(X[index])
            if image.ndim == 2:
                image = image[:, :, np.newaxis]
            view = patches_of(image)
            n_rows, n_cols = view.shape[:2]
            grids.append((n_rows, n_cols))
            count = n_rows * n_cols
            start = 0
            while start < count:
                take = min(batch_size - filled, count - start)
                # Fancy indexing copies only this batch's patches of the view.
                rows, cols = np.divmod(np.arange(start, start + take), n_cols)
                buffer[filled:filled + take] = view[rows, cols]
                filled += take
                start += take
                if filled == batch_size:
                    flush(filled)
                    filled = 0
        if filled:
            flush(filled)
    outputs = np.concatenate(results) if results else np.empty((0, 1), np.float32)
    maps, offset = [], 0
    for n_rows, n_cols in grids:
        count = n_rows * n_cols
        maps.append(outputs[offset:offset + count].reshape(n_rows, n_cols, -1))
        offset += count
    return maps


# float32 inference copy -> the same with its dilated layers in bfloat16,
# made once per copy (a new copy, after new weights, makes a new one).
_BFLOAT16_COPIES = weakref.WeakKeyDictionary()
_BFLOAT16_LOCK = threading.Lock()


def resolve_precision(precision, device, owner="PixelwiseJPEGRegressor"):
    """``inference_precision`` as "float32" or "bfloat16" on this machine."""
    if precision == "auto":
        native = getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
        cpu = device is None or torch.device(device).type == "cpu"
        return "bfloat16" if cpu and native() else "float32"
    if precision not in ("float32", "bfloat16"):
        invalid_parameter(
            "inference_precision",
            owner,
            "a str among {'float32', 'bfloat16', 'auto'}",
            precision,
        )
    return precision


def bfloat16_copy(module):
    """``module`` (an inference copy) with the layers after its first
    convolution in bfloat16; the copy itself is left in float32."""
    with _BFLOAT16_LOCK:
        cached = _BFLOAT16_COPIES.get(module)
        if cached is None:
            cached = copy.deepcopy(module)
            for layer in cached.layers[1:]:
                layer.to(torch.bfloat16)
            _BFLOAT16_COPIES[module] = cached
        return cached
