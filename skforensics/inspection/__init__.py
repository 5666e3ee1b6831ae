"""Inspection of what the models see: maps, figures and folder audits.

Nothing here imports PyTorch at import time; the audit loads a model only
when it runs.
"""

from ._jpeg_audit import JPEGAuditReport, jpeg_audit

__all__ = ["JPEGAuditReport", "jpeg_audit"]
