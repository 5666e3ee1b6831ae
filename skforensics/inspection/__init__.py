"""Inspection of what the models see: maps, figures and folder audits.

One analysis pipeline (:mod:`._analyse`: read a file once, validate it once,
each model a step, one record per file streamed to CSV, JSON and HTML) runs
``skforensics analyse`` and its presets ``upscale`` and ``jpeg-audit``
(:func:`jpeg_audit`); the Displays live one per file in :mod:`._plot`.
Nothing here imports PyTorch or matplotlib at import time; the pipeline
loads a model only when it runs, and the Displays import matplotlib only to
draw.
"""

from ._plot import (
    BRISQUEFeatureDisplay,
    JPEGMapDisplay,
    MSCNDisplay,
    PatchScoreDisplay,
)
from ._jpeg_audit import JPEGAuditReport, jpeg_audit
from ._jpeg_evidence import jpeg_evidence
from ._upscale import upscale_verdict

__all__ = [
    "BRISQUEFeatureDisplay",
    "JPEGAuditReport",
    "JPEGMapDisplay",
    "MSCNDisplay",
    "PatchScoreDisplay",
    "jpeg_audit",
    "jpeg_evidence",
    "upscale_verdict",
]
