"""Inspection of what the models see: maps, figures and folder audits.

Nothing here imports PyTorch or matplotlib at import time; the audit loads a
model only when it runs, and the Displays import matplotlib only to draw.
"""

from ._display import (
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
