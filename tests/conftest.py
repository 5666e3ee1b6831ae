import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _seed():
    """Seed numpy (and torch when it is already imported) before every test."""
    np.random.seed(0)
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(0)
