import numpy as np
import pytest

from skforensics.metrics import mask_auroc, mask_iou


def _region(shape=(20, 30)):
    mask = np.zeros(shape, bool)
    mask[5:12, 8:20] = True
    return mask


def test_perfect_partial_and_empty_maps():
    mask = _region()
    assert mask_iou(mask, mask.astype(float)) == 1.0
    assert mask_auroc(mask, mask.astype(float)) == 1.0
    assert mask_auroc(mask, 1.0 - mask) == 0.0
    # Half the region found, nothing else: IoU 1/2.
    half = mask.copy()
    half[5:12, 14:20] = False
    assert mask_iou(mask, half * 0.9) == pytest.approx(0.5)
    # Nothing found: IoU 0; nothing to find and nothing found: 1.
    assert mask_iou(mask, np.zeros(mask.shape)) == 0.0
    assert mask_iou(np.zeros((4, 4), bool), np.zeros((4, 4))) == 1.0


def test_collections_are_averaged_per_image():
    a, b = _region(), _region((25, 25))
    maps = [a.astype(float), np.zeros(b.shape)]
    assert mask_iou([a, b], maps) == pytest.approx(0.5)
    stack = np.stack([a, a])
    assert mask_iou(stack, np.stack(maps[:1] * 2)) == 1.0
    assert mask_iou(a.astype(np.uint8), a * 0.7, threshold=0.6) == 1.0
    assert mask_iou(a, a * 0.7, threshold=0.8) == 0.0


def test_auroc_subsamples_large_maps_reproducibly():
    rng = np.random.default_rng(0)
    mask = rng.random((300, 300)) < 0.3
    score = mask + rng.normal(0, 0.8, mask.shape)
    full = mask_auroc(mask, score, max_pixels=None)
    sampled = mask_auroc(mask, score, max_pixels=5000, random_state=1)
    assert 0.7 < full < 0.9
    assert abs(sampled - full) < 0.03
    assert sampled == mask_auroc(mask, score, max_pixels=5000, random_state=1)


@pytest.mark.parametrize(
    "masks, maps, error, match",
    [
        (_region(), np.zeros((20, 31)), ValueError, "same \\(H, W\\)"),
        ([_region()], [], ValueError, "1 masks but 0 maps"),
        ([], [], ValueError, "at least one"),
        (_region() * 2, np.zeros((20, 30)), ValueError, "boolean or hold only 0 and 1"),
        (_region(), np.full((20, 30), np.nan), ValueError, "NaN or infinity"),
        (_region(), np.full((20, 30), "a"), TypeError, "numbers"),
        (np.zeros((2, 2, 2, 2)), np.zeros((2, 2, 2, 2)), ValueError, "collection"),
    ],
)
def test_bad_input(masks, maps, error, match):
    with pytest.raises(error, match=match):
        mask_iou(masks, maps)


def test_auroc_needs_both_classes():
    with pytest.raises(ValueError, match="Mask 0 is all one class"):
        mask_auroc(np.ones((5, 5), bool), np.zeros((5, 5)))
