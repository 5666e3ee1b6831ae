"""What every skforensics estimator built on skorch shares."""

__all__ = ["SkorchCompatMixin"]


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
