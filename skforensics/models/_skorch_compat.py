"""scikit-learn's rules for any skorch net, and small tools for skorch classes.

- :class:`SkorchCompatMixin`: ``get_params`` without skorch's bookkeeping,
  a ``set_params(callbacks=...)`` that only stores the list;
- :func:`inherit_signature`: a thin subclass ``__init__`` shows its bases'
  whole signature;
- :class:`ScoresOnlyMixin`: a regressor without skorch's ``predict_proba``;
- ``_fuse_conv_bn``: batch norm folded into the convolutions for inference.
"""

import inspect

import torch
from sklearn.utils.metaestimators import available_if

__all__ = ["ScoresOnlyMixin", "SkorchCompatMixin", "inherit_signature"]


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


def inherit_signature(*base_inits):
    """Give a thin ``__init__(self, ..., **kwargs)`` its bases' full signature.

    A classifier/regressor pair shares one ``__init__`` (its bases') and
    only changes a few defaults: the subclass writes those in its own
    signature and passes the rest through ``**kwargs``. This decorator sets
    ``__signature__`` to the parameters of ``base_inits`` (in order, each
    name once) with the subclass's defaults, then the subclass's own new
    keyword-only parameters, ``**kwargs`` last, so
    ``inspect.signature``, ``help`` and numpydoc see every parameter.
    (``get_params`` does not depend on it: skorch lists the attributes
    that ``__init__`` set.)
    """

    def decorate(init):
        own = inspect.signature(init).parameters
        params, var_keyword = {}, None
        for base_init in base_inits:
            for name, param in inspect.signature(base_init).parameters.items():
                if param.kind is param.VAR_KEYWORD:
                    var_keyword = param
                elif name not in params:
                    params[name] = own.get(name, param)
        for name, param in own.items():  # the subclass's own new parameters
            if name not in params and param.kind is param.KEYWORD_ONLY:
                params[name] = param
        merged = list(params.values()) + ([var_keyword] if var_keyword else [])
        init.__signature__ = inspect.Signature(merged)
        return init

    return decorate


class ScoresOnlyMixin:
    """Hide skorch's ``predict_proba`` on a regressor.

    skorch's ``NeuralNet`` returns raw outputs from ``predict_proba``; a
    regressor should not have one, so that ``hasattr(reg, "predict_proba")``
    is False, as scikit-learn's meta-estimators and scorers expect.
    """

    @available_if(lambda self: False)
    def predict_proba(self, X):
        """Not available: a regressor predicts scores (see ``predict``)."""
