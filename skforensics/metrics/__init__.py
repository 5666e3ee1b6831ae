"""Metrics and scorers for image quality assessment and forensics.

Correlations between predicted and subjective scores (SROCC, KROCC, PLCC
after the standard logistic mapping) and the RMSE, with scorers usable as
``scoring=`` in :class:`~sklearn.model_selection.GridSearchCV` and
:func:`~sklearn.model_selection.cross_validate`; and how well a per-pixel map
finds a manipulated region (:func:`mask_iou`, :func:`mask_auroc`).
"""

from ._correlation import krocc, plcc, rmse, srocc
from ._localization import mask_auroc, mask_iou
from ._scorer import (
    IQA_SCORERS,
    get_iqa_scorer,
    krocc_scorer,
    plcc_scorer,
    rmse_scorer,
    srocc_scorer,
)

__all__ = [
    "IQA_SCORERS",
    "get_iqa_scorer",
    "krocc",
    "krocc_scorer",
    "mask_auroc",
    "mask_iou",
    "plcc",
    "plcc_scorer",
    "rmse",
    "rmse_scorer",
    "srocc",
    "srocc_scorer",
]
