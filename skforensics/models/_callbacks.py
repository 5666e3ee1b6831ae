"""skorch callbacks of the patch estimators."""

from skorch.callbacks import Callback, ProgressBar

__all__ = []


class ValidAccuracy(Callback):
    """Patch-level accuracy on the internal validation images."""

    def on_epoch_begin(self, net, **kwargs):
        self.correct_, self.total_ = 0, 0

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if training or y_pred is None:
            return
        target = batch[1].to(y_pred.device)
        self.correct_ += int((y_pred.argmax(1) == target).sum())
        self.total_ += len(target)

    def on_epoch_end(self, net, **kwargs):
        if self.total_:
            net.history.record("valid_acc", self.correct_ / self.total_)


class QuietProgressBar(ProgressBar):
    """skorch's progress bar, shown only when ``net.verbose >= 2``."""

    def on_batch_end(self, net, **kwargs):
        if net.verbose >= 2:
            super().on_batch_end(net, **kwargs)

    def on_epoch_begin(self, net, **kwargs):
        if net.verbose >= 2:
            super().on_epoch_begin(net, **kwargs)

    def on_epoch_end(self, net, **kwargs):
        if net.verbose >= 2:
            super().on_epoch_end(net, **kwargs)
