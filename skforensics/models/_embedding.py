"""The embedding forward of a patch network: which layer, and its activations.

A patch network's layers that :class:`PatchEmbedder` can embed (the
ReLU-like activations that run before the output), the size of one, and the
batched forward over every image's grid of patches that keeps one layer's
activations (with its joblib task and its cached form).
"""

import threading

import joblib
import numpy as np
import torch

from ..feature._patches import extract_patches
from ..utils._validation import n_channels_of
from ._inference import (
    ProbeCaptured,
    inference_module,
    patch_grid_outputs,
    probe_module,
)

# Activations whose output is "post-ReLU" for the default layer.
_RELU_LIKE = (
    torch.nn.ReLU,
    torch.nn.ReLU6,
    torch.nn.LeakyReLU,
    torch.nn.PReLU,
    torch.nn.RReLU,
    torch.nn.ELU,
    torch.nn.CELU,
    torch.nn.SELU,
    torch.nn.GELU,
    torch.nn.SiLU,
)


def _embeddable_layers(module, n_channels, patch_size):
    """ReLU-like submodules in the order they run, with their output sizes."""
    fired = []
    names = {id(m): name for name, m in module.named_modules()}

    def hook(mod, inputs, output):
        if isinstance(output, torch.Tensor):
            fired.append((names[id(mod)], output))

    hooks = [(mod, hook) for mod in module.modules() if isinstance(mod, _RELU_LIKE)]
    final = probe_module(module, n_channels, patch_size, hooks=hooks)
    layers = []
    for name, output in fired:
        # An activation applied to the output itself is no penultimate layer.
        if isinstance(final, torch.Tensor) and output.data_ptr() == final.data_ptr():
            continue
        layers.append((name, int(np.prod(output.shape[1:]))))
    return layers


def _layer_size(module, layer, n_channels, patch_size):
    out = {}

    def hook(mod, inputs, output):
        out["size"] = int(np.prod(output.shape[1:]))
        raise ProbeCaptured

    target = dict(module.named_modules())[layer]
    probe_module(module, n_channels, patch_size, hooks=[(target, hook)])
    return out.get("size")


def _embed(module, layer, X, patch_size, grid, batch_size, device):
    """Activations of ``layer`` for the ``grid`` patches of every image.

    Returns an array of shape ``(n_images, U, V, D)``. Patches are copied
    into one reused batch buffer, so memory stays bounded
    (:func:`._inference.patch_grid_outputs`); the net is the evaluation
    copy kept for its weights (:func:`._inference.inference_module`, as
    trained: batch norm not folded, memory format kept).
    """
    module = inference_module(module, device=device, fuse=False, channels_last=False)
    target = dict(module.named_modules())[layer]
    captured = []
    # The copy is shared: under a threading backend another thread's hook
    # may sit on it too, and must leave this thread's forward alone.
    thread = threading.get_ident()

    def hook(mod, inputs, output):
        if threading.get_ident() != thread:
            return None
        captured.append(output.reshape(len(output), -1).float().cpu().numpy())
        raise ProbeCaptured

    def forward(x):
        try:
            module(x.to(device))
        except ProbeCaptured:
            pass
        return captured.pop()

    handle = target.register_forward_hook(hook)
    try:
        outputs = patch_grid_outputs(
            X,
            patches_of=lambda image: extract_patches(
                image, patch_size, sampling="grid", grid=grid
            ),
            forward=forward,
            batch_size=batch_size,
            n_channels=n_channels_of(np.asarray(X[0])),
            patch_size=patch_size,
        )
    finally:
        handle.remove()
    return np.stack(outputs).astype(np.float32, copy=False)


def _weights_digest(module):
    state = {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}
    return joblib.hash(state)


def _embed_chunk(X, module, layer, *args):
    """A joblib task: :func:`_embed` of one chunk of images."""
    return _embed(module, layer, X, *args)


def _embed_cached(
    module, weights_digest, layer, X, patch_size, grid, batch_size, device
):
    """:func:`_embed` keyed on the weights' digest (for joblib.Memory)."""
    return _embed(module, layer, X, patch_size, grid, batch_size, device)
