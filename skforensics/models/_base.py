"""What every skforensics estimator built on skorch shares."""

import torch

__all__ = ["SkorchCompatMixin"]


def _fuse_conv_bn(module):
    """Fold each BatchNorm2d that directly follows a Conv2d into it (eval only)."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    for child in module.children():
        _fuse_conv_bn(child)
    if isinstance(module, torch.nn.Sequential):
        layers = list(module)
        for i in range(len(layers) - 1):
            conv, bn = layers[i], layers[i + 1]
            if (
                isinstance(conv, torch.nn.Conv2d)
                and isinstance(bn, torch.nn.BatchNorm2d)
                and bn.track_running_stats
            ):
                module[i] = fuse_conv_bn_eval(conv, bn)
                module[i + 1] = torch.nn.Identity()
    return module


class SkorchCompatMixin:
    """Make a skorch net follow scikit-learn's parameter rules.

    Put it first among the bases of a ``NeuralNet`` subclass. It keeps
    skorch's private bookkeeping out of ``get_params`` and makes
    ``set_params(callbacks=...)`` only store the list (skorch builds and
    checks it when the net is initialised), as scikit-learn expects of
    ``set_params``.
    """

    def set_params(self, **params):
        """Set the parameters of this estimator (sklearn and skorch style).

        As in skorch, ``module__...`` on an initialised net re-initialises the
        module; unlike skorch, a new ``callbacks`` list is only stored, and
        built (and checked) when the net is initialised.

        Parameters
        ----------
        **params : dict
            Estimator parameters, including prefixed ones.

        Returns
        -------
        self : estimator instance
            The estimator.
        """
        if "callbacks" in params and not any(
            key.startswith("callbacks__") for key in params
        ):
            self.callbacks = params.pop("callbacks")
            if self.initialized_:
                self._initialize_callbacks()
        if params:
            super().set_params(**params)
        return self

    def _get_param_names(self):
        # skorch lists every public-looking attribute, including its private
        # bookkeeping ``_params_to_validate``; sklearn must not set that one.
        return [k for k in super()._get_param_names() if not k.startswith("_")]
