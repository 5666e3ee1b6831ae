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


def _text_page(size=(240, 320), *, dark=False, panel=True, text=None, seed=0):
    """A rendered screenshot (uint8 RGB): lines of text 14 pixels apart in
    Pillow's default font (random words, or ``text`` on every line), and a
    coloured panel."""
    from PIL import Image, ImageDraw, ImageFont

    words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do".split()
    rng = np.random.default_rng(seed)
    paper, ink = ((30,) * 3, (220,) * 3) if dark else ((255,) * 3, (0,) * 3)
    page = Image.new("RGB", size[::-1], paper)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default()
    for top in range(4, size[0] - 12, 14):
        line = text or " ".join(rng.choice(words, 16))
        draw.text((6, top), line, fill=ink, font=font)
    if panel:
        draw.rectangle((size[1] * 0.6, 30, size[1] - 20, 120), fill=(40, 120, 200))
    return np.asarray(page)


@pytest.fixture
def text_page():
    """Make a rendered screenshot: ``text_page(size=(240, 320), dark=False,
    panel=True, text=None)``."""
    return _text_page
