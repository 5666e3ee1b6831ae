"""Siamese ranking of patches: the forgery stage 1 of the hyper-image paper."""

import torch
from torch import nn

__all__ = ["RankingHingeLoss", "SiameseRankingNet", "ranking_hinge_loss"]


def ranking_hinge_loss(c1, c2, y, *, margin=3.0, reduction="mean"):
    """Hinge loss of a pair ranking, ``max(0, margin - y * (c1 - c2))``.

    ``y = +1`` says the first input should score higher, ``y = -1`` the
    second; the loss is zero once the scores are ``margin`` apart in the
    right order. It equals :class:`torch.nn.MarginRankingLoss`.

    Parameters
    ----------
    c1, c2 : torch.Tensor of shape (batch,)
        Scores of the first and second channel.
    y : torch.Tensor of shape (batch,)
        Pair labels, +1 or -1.
    margin : float, default=3.0
        The margin ``delta`` (3 in Chandakkar & Li).
    reduction : {"mean", "sum", "none"}, default="mean"
        How the per-pair losses are reduced.

    Returns
    -------
    loss : torch.Tensor
        A scalar, or a tensor of shape (batch,) for ``reduction="none"``.

    Examples
    --------
    >>> import torch
    >>> from skforensics.nn import ranking_hinge_loss
    >>> c1, c2 = torch.tensor([4.0, 0.0]), torch.tensor([0.0, 1.0])
    >>> ranking_hinge_loss(c1, c2, torch.tensor([1.0, 1.0]), reduction="none")
    tensor([0., 4.])
    """
    losses = torch.clamp(margin - y * (c1 - c2), min=0)
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    if reduction == "none":
        return losses
    raise ValueError(
        "The 'reduction' parameter of ranking_hinge_loss must be a str among "
        f"{{'mean', 'sum', 'none'}}. Got {reduction!r} instead."
    )


class RankingHingeLoss(nn.Module):
    """Criterion form of :func:`ranking_hinge_loss` for paired scores.

    Parameters
    ----------
    margin : float, default=3.0
        The margin ``delta``.
    reduction : {"mean", "sum", "none"}, default="mean"
        How the per-pair losses are reduced.

    Examples
    --------
    >>> import torch
    >>> from skforensics.nn import RankingHingeLoss
    >>> scores = torch.tensor([[4.0, 0.0], [0.0, 1.0]])
    >>> RankingHingeLoss()(scores, torch.tensor([1.0, -1.0]))
    tensor(1.)
    """

    def __init__(self, margin=3.0, reduction="mean"):
        super().__init__()
        self.margin = margin
        self.reduction = reduction

    def forward(self, scores, y):
        """Loss of paired scores.

        Parameters
        ----------
        scores : torch.Tensor of shape (batch, 2)
            Scores of the first and second channel, as returned by
            :class:`SiameseRankingNet` for a pair.
        y : torch.Tensor of shape (batch,)
            Pair labels, +1 or -1.

        Returns
        -------
        loss : torch.Tensor
            The hinge loss of each pair, reduced as ``reduction`` says: a
            scalar for ``"mean"`` and ``"sum"``, shape (batch,) for
            ``"none"``.
        """
        y = y.reshape(-1).to(scores.dtype)
        return ranking_hinge_loss(
            scores[:, 0], scores[:, 1], y, margin=self.margin, reduction=self.reduction
        )


class SiameseRankingNet(nn.Module):
    """Two channels with shared weights that score a pair of patches.

    Both patches go through the same ``branch`` (one network, so the
    weights are shared by construction). Called on one batch it scores it,
    so a trained ranking net is used like any patch network, for example to
    take its penultimate activations as embeddings.

    Parameters
    ----------
    branch : torch.nn.Module
        A patch network returning one score per patch, ``(batch, 1)``.

    Attributes
    ----------
    branch : torch.nn.Module
        The shared network.

    Examples
    --------
    >>> import torch
    >>> from skforensics.nn import KangCNN, SiameseRankingNet
    >>> net = SiameseRankingNet(KangCNN(n_filters=4, n_hidden=8)).eval()
    >>> x1, x2 = torch.zeros(5, 1, 32, 32), torch.ones(5, 1, 32, 32)
    >>> net(x1, x2).shape, net(x1).shape
    (torch.Size([5, 2]), torch.Size([5, 1]))
    """

    def __init__(self, branch):
        super().__init__()
        self.branch = branch

    def __getattr__(self, name):
        # Let the estimators read the branch's in_channels and patch_size.
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name in ("in_channels", "patch_size"):
                return getattr(self._modules["branch"], name)
            raise

    def forward(self, x1, x2=None):
        """Score one batch, or the two channels of a batch of pairs.

        Parameters
        ----------
        x1 : torch.Tensor of shape (batch, C, height, width)
            Patches of the first channel.
        x2 : torch.Tensor of shape (batch, C, height, width), default=None
            Patches of the second channel.

        Returns
        -------
        scores : torch.Tensor of shape (batch, 1) or (batch, 2)
            The score of each patch of ``x1``, or of each pair (first
            channel, second channel).
        """
        if x2 is None:
            return self.branch(x1).reshape(len(x1), 1)
        both = self.branch(torch.cat([x1, x2])).reshape(2, len(x1))
        return both.t()
