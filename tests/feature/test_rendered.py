"""Rendered graphics (text, charts, flat colour) told from photographs."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from skforensics.datasets import load_sample_images
from skforensics.feature._rendered import looks_rendered, rendered_shares


def bar_chart(size=(400, 600)):
    """Bars, axes and grid lines on white."""
    chart = Image.new("RGB", size[::-1], "white")
    draw = ImageDraw.Draw(chart)
    for i, height in enumerate(np.random.default_rng(1).integers(50, 300, 10)):
        left = 60 + 50 * i
        draw.rectangle((left, 350 - height, left + 30, 350), fill=(31, 119, 180))
    for y in range(50, 351, 60):
        draw.line((50, y, 580, y), fill=(200, 200, 200))
    draw.line((50, 350, 580, 350), fill="black", width=2)
    draw.line((50, 20, 50, 350), fill="black", width=2)
    return np.asarray(chart)


def _uint8(image):
    return np.round(image * 255).astype(np.uint8)


@pytest.fixture(scope="module")
def photos():
    return [_uint8(image) for image in load_sample_images(as_gray=False)]


@pytest.mark.parametrize(
    "kind",
    [{"size": (480, 640)}, {"dark": True}, {"panel": False}, "chart"],
    ids=["text", "dark text", "text only", "chart"],
)
def test_text_and_charts_look_rendered(kind, text_page):
    image = bar_chart() if kind == "chart" else text_page(**kind)
    before = image.copy()
    assert looks_rendered(image)
    # On the luminance too, as the upscale verdict reads frames.
    assert looks_rendered(image @ np.array([0.299, 0.587, 0.114], np.float32))
    np.testing.assert_array_equal(image, before)


def test_a_single_colour_looks_rendered():
    assert looks_rendered(np.full((64, 96, 3), 200, np.uint8))
    assert rendered_shares(np.full((64, 96), 0.5)) == (1.0, 0.0, 1.0)


def test_photographs_do_not(photos):
    for photo in photos:
        equal, far, background = rendered_shares(photo)
        assert not looks_rendered(photo)
        assert equal < 0.5 and background < 0.4 and np.isnan(far)  # cheap path


def test_photographs_on_a_white_canvas_or_between_bars_do_not(photos):
    for photo in photos[:4]:
        height, width = photo.shape[:2]
        # A product shot: the photograph on a white page twice its size.
        canvas = np.full((2 * height, 2 * width, 3), 255, np.uint8)
        canvas[:height, :width] = photo
        assert not looks_rendered(canvas)
        # Letterboxed: black bars above and below.
        bars = np.zeros((height + height // 2, width, 3), np.uint8)
        bars[height // 4 : height // 4 + height] = photo
        assert not looks_rendered(bars)


def test_jpeg_photographs_and_pages_do_not(photos, text_page):
    def jpeg(image, quality):
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, "JPEG", quality=quality)
        return np.asarray(Image.open(buffer))

    # Its flat 8x8 blocks are equal inside, not across the grid.
    assert not any(looks_rendered(jpeg(photo, 30)) for photo in photos)
    # JPEG's ringing around the letters breaks a page's flat areas: it is
    # judged as any other JPEG.
    assert looks_rendered(text_page()) and not looks_rendered(jpeg(text_page(), 90))


def test_the_equal_share_is_the_least_over_grid_phases():
    # Pixels repeated in pairs along the rows (a doubling): half of the
    # pairs equal on average, none at the odd phases.
    rng = np.random.default_rng(0)
    doubled = np.repeat(rng.integers(0, 256, (64, 32), dtype=np.uint8), 2, axis=1)
    assert rendered_shares(doubled)[0] == 0.0
    assert not looks_rendered(doubled)


def test_tiny_images():
    assert rendered_shares(np.zeros((1, 1))) == (1.0, 0.0, 1.0)
    assert rendered_shares(np.arange(6.0).reshape(2, 3))[0] == 0.0


def test_a_page_with_a_noisy_background_looks_rendered(text_page):
    # A screen recording's frame: the codec leaves fewer than half of the
    # neighbouring pixels equal, but the page's value still covers most of
    # it and every pixel lies near a flat area.
    page = text_page(size=(480, 640)).copy()
    rng = np.random.default_rng(0)
    noisy = rng.random(page.shape[:2]) < 0.2
    page[noisy] = np.clip(page[noisy].astype(int) - 1, 0, 255)
    equal, far, background = rendered_shares(page)
    assert equal < 0.5 and background >= 0.4 and far <= 0.02
    assert looks_rendered(page)

