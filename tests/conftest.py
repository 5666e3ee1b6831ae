import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _seed():
    """Seed numpy (and torch when it is already imported) before every test."""
    np.random.seed(0)
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(0)


# Hypothesis profiles for the property-based tests (tests/test_hypothesis*.py):
# "skforensics" (the default) is a small, derandomized budget that keeps the
# suite fast and reproducible; HYPOTHESIS_PROFILE=deep runs many more random
# examples (select only those tests with -m fuzz). No example database is
# written into the shared tree.
try:
    import os as _os

    from hypothesis import HealthCheck, settings

    _QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
    settings.register_profile(
        "skforensics",
        max_examples=15,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=_QUIET,
        print_blob=True,
    )
    settings.register_profile(
        "deep",
        max_examples=400,
        deadline=None,
        database=None,
        suppress_health_check=_QUIET,
        print_blob=True,
    )
    settings.load_profile(_os.environ.get("HYPOTHESIS_PROFILE", "skforensics"))
except ImportError:  # the tests extra is not installed
    pass
