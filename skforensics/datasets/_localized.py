"""The synthetic localized-artifact task of Chandakkar & Li's hyper-image paper."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state

from ..utils._param_validation import (
    Interval,
    StrOptions,
    invalid_parameter,
    is_int,
    validate_params,
)

__all__ = ["make_localized_artifacts"]

MAX_SCORE = 5.0


def _check_n_patches(n_patches, capacity, func_name):
    expected = (
        f"an int in [0, {capacity}] or a tuple (low, high) of ints with "
        f"0 <= low <= high <= {capacity} (at most (image_size // patch_size)**2 "
        "patches fit without overlapping)"
    )
    if is_int(n_patches):
        low = high = int(n_patches)
    elif (
        isinstance(n_patches, tuple)
        and len(n_patches) == 2
        and all(is_int(v) for v in n_patches)
    ):
        low, high = int(n_patches[0]), int(n_patches[1])
    else:
        invalid_parameter("n_patches", func_name, expected, n_patches)
    if not 0 <= low <= high <= capacity:
        invalid_parameter("n_patches", func_name, expected, n_patches)
    return low, high


def _place_patches(rng, n, image_size, patch_size):
    """Top-left corners of ``n`` non-overlapping patches, uniformly placed.

    Corners are drawn one after the other among the positions whose patch
    would not overlap the ones already placed. If the patches that are
    already placed leave no room (only possible for crowded settings), the
    draw restarts; after 100 restarts the patches go to distinct cells of
    the aligned ``patch_size`` grid, which always fit.
    """
    span = image_size - patch_size + 1
    for _ in range(100):
        free = np.ones((span, span), dtype=bool)
        corners = []
        for _ in range(n):
            candidates = np.flatnonzero(free)
            if candidates.size == 0:
                break
            r, c = divmod(int(candidates[rng.randint(candidates.size)]), span)
            corners.append((r, c))
            # Any corner closer than patch_size in both directions overlaps.
            free[
                max(0, r - patch_size + 1) : r + patch_size,
                max(0, c - patch_size + 1) : c + patch_size,
            ] = False
        else:
            return np.asarray(corners, dtype=np.int64).reshape(n, 2)
    cells_per_side = image_size // patch_size
    cells = rng.choice(cells_per_side**2, size=n, replace=False)
    corners = np.stack([cells // cells_per_side, cells % cells_per_side], axis=1)
    return (corners * patch_size).astype(np.int64)


def _scrambled_patch(rng, patch_size, shades, n_first):
    """A patch whose ``n_first`` pixels (at scrambled places) take ``shades[0]``."""
    n_pixels = patch_size * patch_size
    first = rng.permutation(n_pixels) < n_first
    patch = np.where(first, shades[0], shades[1]).astype(np.float32)
    return patch.reshape(patch_size, patch_size)


def _paper_patch(rng, patch_size):
    """One patch of the paper: a dark and a bright shade, a random share bright."""
    dark = np.float32(rng.uniform(0.0, 0.5))
    bright = np.float32(rng.uniform(0.5, 1.0))
    n_bright = round(rng.uniform() * patch_size * patch_size)
    return _scrambled_patch(rng, patch_size, (bright, dark), n_bright)


def _paper_alpha(patch, background, corner, image_size):
    """Eq. 3 of the paper: dissimilarity to the background plus centre penalty."""
    patch_size = patch.shape[0]
    dissimilarity = np.abs(patch.astype(np.float64) - float(background)).mean()
    # Patch centre to image centre; a corner patch is at dist_N, where the
    # penalty vanishes, and a patch at the centre costs a full 1.
    centre = (image_size - patch_size) / 2
    dist = np.hypot(corner[0] - centre, corner[1] - centre)
    dist_n = np.sqrt(2.0) * centre if centre > 0 else 1.0
    return dissimilarity + (1.0 - dist / dist_n)


def _gaussian_images(X, y, positions, maps, rng, low, high, patch_size, vary, width):
    """The earlier reading of eq. 3: RMS contrast times a centred Gaussian."""
    n_samples, image_size = X.shape[:2]
    n_pixels = patch_size * patch_size
    n_first = n_pixels // 2
    centre = (image_size - patch_size) / 2  # of a patch's top-left corner
    for i in range(n_samples):
        # Levels are rounded to float32 first, so that y is exact for X.
        background = np.float32(0.5 if vary == "position" else rng.uniform())
        X[i] = background
        n = rng.randint(low, high + 1)
        corners = _place_patches(rng, n, image_size, patch_size)
        energy = 0.0
        for r, c in corners:
            if vary == "position":
                shades = np.array([0.0, 1.0], dtype=np.float32)
            else:
                shades = rng.uniform(size=2).astype(np.float32)
            X[i, r : r + patch_size, c : c + patch_size] = _scrambled_patch(
                rng, patch_size, shades, n_first
            )
            diff = shades.astype(np.float64) - float(background)
            contrast2 = (
                n_first * diff[0] ** 2 + (n_pixels - n_first) * diff[1] ** 2
            ) / n_pixels
            weight = 1.0
            if width is not None:
                d2 = (r - centre) ** 2 + (c - centre) ** 2
                weight = np.exp(-d2 / (2 * width**2))
            energy += contrast2 * weight**2
            if maps is not None:
                maps[i, r : r + patch_size, c : c + patch_size] = contrast2 * weight**2
        y[i] = MAX_SCORE - np.sqrt(energy)
        positions.append(corners)


def _paper_images(X, y, positions, maps, rng, low, high, patch_size, vary):
    """Eq. 3 of the paper; with vary="position", one background and patch set."""
    n_samples, image_size = X.shape[:2]
    if vary == "position":
        fixed_background = np.float32(rng.uniform())
        fixed_patches = [_paper_patch(rng, patch_size) for _ in range(high)]
    for i in range(n_samples):
        if vary == "position":
            background, patches = fixed_background, fixed_patches
        else:
            background = np.float32(rng.uniform())
        X[i] = background
        n = rng.randint(low, high + 1)
        corners = _place_patches(rng, n, image_size, patch_size)
        energy = 0.0
        for k, (r, c) in enumerate(corners):
            patch = patches[k] if vary == "position" else _paper_patch(rng, patch_size)
            X[i, r : r + patch_size, c : c + patch_size] = patch
            alpha2 = _paper_alpha(patch, background, (r, c), image_size) ** 2
            energy += alpha2
            if maps is not None:
                maps[i, r : r + patch_size, c : c + patch_size] = alpha2
        y[i] = MAX_SCORE - np.sqrt(energy)
        positions.append(corners)


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "image_size": [Interval(Integral, 2, None, closed="left")],
        "patch_size": [Interval(Integral, 2, None, closed="left")],
        "n_patches": "no_validation",
        "score": [StrOptions({"paper", "gaussian"})],
        "location_scale": [Interval(Real, 0, None, closed="neither"), None],
        "vary": [StrOptions({"all", "position"})],
        "return_maps": ["boolean"],
        "return_positions": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_localized_artifacts(
    n_samples=1000,
    *,
    image_size=128,
    patch_size=16,
    n_patches=(1, 5),
    score="paper",
    location_scale=0.25,
    vary="all",
    return_maps=False,
    return_positions=False,
    random_state=None,
):
    """Make the synthetic localized-artifact regression task.

    Gray images of a constant background carry a few small "two-shade
    scrambled" patches; the target is a quality score that only these few
    patches determine, ``5 - sqrt(sum_i alpha_i**2)``, where ``alpha_i``
    grows with how much patch ``i`` differs from the background and how close
    it sits to the centre of the image. By default this is exactly the
    synthetic task of Chandakkar & Li [1]_ (their eq. 3), built to show that
    averaging patch-level predictions fails when a few patches decide the
    image label, and that a hyper-image (a grid of patch embeddings fed to a
    second CNN) does not.

    Read more in the :ref:`User Guide <localized_artifacts>`.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of images.

    image_size : int, default=128
        Height and width of the square images.

    patch_size : int, default=16
        Side of the square artifact patches; at most ``image_size``.

    n_patches : int or tuple of (int, int), default=(1, 5)
        The number of patches per image: a tuple ``(low, high)`` draws it
        uniformly from ``low..high`` (inclusive) for each image, an int
        fixes it. 0 gives a clean image of score 5.

    score : {"paper", "gaussian"}, default="paper"
        How patches are drawn and scored. ``"paper"`` is the paper's task and
        eq. 3: each patch has a dark shade in [0, 0.5) and a bright one in
        [0.5, 1], a random share of its pixels bright, and ``alpha_i =
        mean(|s0 - p_i|) + (1 - ||c_i - c|| / dist_N)`` (see Notes).
        ``"gaussian"`` is the variant of skforensics before version 0.1
        (two shades in [0, 1], half the pixels each; ``alpha_i`` the
        root-mean-square contrast times a Gaussian of the distance to the
        centre), where severity and location multiply instead of adding.

    location_scale : float or None, default=0.25
        Only for ``score="gaussian"``: width of the Gaussian location
        weight, as a fraction of ``image_size``; None makes that score blind
        to position. Ignored by ``score="paper"``, whose location term is
        fixed by eq. 3.

    vary : {"all", "position"}, default="all"
        ``"all"`` draws background, shades and positions for every image (the
        paper's experiment 1). ``"position"`` keeps everything but the
        positions fixed (the paper's experiment 2): with ``score="paper"``
        one background and one set of ``high`` patches are drawn once from
        ``random_state`` and image ``i`` carries the first ``n_i`` of them;
        with ``score="gaussian"`` the background is 0.5 and the shades 0 and
        1. For a fixed number of patches, only where the patches are changes
        the score: a model that ignores positions cannot track it.

    return_maps : bool, default=False
        If True, also return per-pixel maps of the artifacts, the patch
        supervision of a first stage: pass them as ``masks`` to the ``fit``
        of :class:`~skforensics.models.PatchCNNRegressor`,
        :class:`~skforensics.models.PatchEmbedder` or
        :class:`~skforensics.models.HyperImageRegressor`.

    return_positions : bool, default=False
        If True, also return the top-left corners of the patches.

    random_state : int, RandomState instance or None, default=None
        Seed of everything drawn. Pass an int for reproducible output across
        calls.

    Returns
    -------
    X : ndarray of shape (n_samples, image_size, image_size) of dtype float32
        The images, values in [0, 1].

    y : ndarray of shape (n_samples,) of dtype float64
        The scores ``5 - sqrt(sum_i alpha_i**2)``, in ``[5 - 2 * sqrt(high),
        5]`` for ``score="paper"`` (each ``alpha_i`` lies in [0, 2]) and in
        ``(5 - sqrt(high), 5]`` for ``score="gaussian"``.

    groups : ndarray of shape (n_samples,)
        ``arange(n_samples)``: every image is its own source.

    maps : ndarray of shape (n_samples, image_size, image_size) of dtype float32
        ``alpha_i**2`` on the pixels of patch ``i``, 0 elsewhere, so that
        ``y == 5 - sqrt(maps.sum(axis=(1, 2)) / patch_size**2)`` and the
        mean of a map over any window is the part of ``sum_i alpha_i**2``
        that the window holds, divided by its size: the per-patch label
        that the paper's problem setup allows when it is "part of
        ground-truth labels". Only returned if ``return_maps`` is True.

    positions : list of ndarray of shape (n_patches_i, 2)
        The ``(row, column)`` top-left corner of each patch of each image.
        Only returned if ``return_positions`` is True.

    See Also
    --------
    skforensics.feature.PatchGridExtractor : The patch grids a hyper-image
        is built on.

    Notes
    -----
    With ``score="paper"`` each image is drawn as in the paper (all draws
    uniform and independent):

    1. a background level ``s0`` in [0, 1] fills the image;
    2. the number of patches ``n`` is drawn from ``n_patches``;
    3. the patches are placed at random positions that do not overlap (they
       may touch); every position is equally likely for the first patch,
       each next one among the positions left free;
    4. patch ``i`` has a dark shade in [0, 0.5) and a bright one in [0.5, 1];
       a random share ``u`` in [0, 1] of its pixels (``round(u *
       patch_size**2)``, at places given by a random permutation, hence
       "scrambled") is bright, the others dark;
    5. eq. 3: ``alpha_i = sum_jk |s0 - p_i[j, k]| / patch_size**2 + (1 -
       ||c_i - c|| / dist_N)``, where ``c_i`` is the centre of patch ``i``,
       ``c`` the centre of the image and ``dist_N`` the distance from ``c``
       to the centre of a patch in a corner, ``sqrt(2) * (image_size -
       patch_size) / 2``, so the penalty is 1 at the centre and 0 in a
       corner, as the paper states; the score is ``y = 5 - sqrt(sum_i
       alpha_i**2)``.

    A clean image scores 5. The paper does not say whether patches may
    overlap; they do not here, so every patch of eq. 3 is fully visible.
    Experiment 2 of the paper fixes the background, the number of patches
    and their content over 1000 images and varies only the positions, once
    for each number of patches from 1 to 5: pass ``n_patches=k`` and
    ``vary="position"``.

    ``score="gaussian"`` draws the background the same way, two shades in
    [0, 1] per patch with half its pixels (``floor(patch_size**2 / 2)``)
    each, and ``alpha_i = sqrt(mean((p_i - s0)**2)) * exp(-d_i**2 / (2 *
    (location_scale * image_size)**2))`` with ``d_i`` the distance from the
    patch centre to the image centre, in [0, 1]. It was written before eq. 3
    was at hand; its product of severity and location is harder for patch
    averaging than the paper's sum, and it is kept for comparison.

    References
    ----------
    .. [1] P. S. Chandakkar and B. Li, "Capturing Localized Image Artifacts
       through a CNN-based Hyper-image Representation", arXiv:1711.04945,
       2017.

    Examples
    --------
    >>> from skforensics.datasets import make_localized_artifacts
    >>> X, y, groups, positions = make_localized_artifacts(
    ...     10, return_positions=True, random_state=0
    ... )
    >>> X.shape, X.dtype, y.shape, positions[0].shape[1]
    ((10, 128, 128), dtype('float32'), (10,), 2)
    >>> bool(((y >= 5 - 2 * 5**0.5) & (y <= 5)).all())
    True

    With the per-pixel maps, the patch supervision of a first stage:

    >>> import numpy as np
    >>> X, y, groups, maps = make_localized_artifacts(
    ...     10, return_maps=True, random_state=0
    ... )
    >>> bool(np.allclose(y, 5 - np.sqrt(maps.sum(axis=(1, 2)) / 16**2)))
    True
    """
    func_name = "make_localized_artifacts"
    if patch_size > image_size:
        invalid_parameter(
            "patch_size",
            func_name,
            f"an int in [2, image_size={image_size}]",
            patch_size,
        )
    low, high = _check_n_patches(n_patches, (image_size // patch_size) ** 2, func_name)
    rng = check_random_state(random_state)

    X = np.empty((n_samples, image_size, image_size), dtype=np.float32)
    y = np.empty(n_samples, dtype=np.float64)
    positions = []
    maps = None
    if return_maps:
        maps = np.zeros((n_samples, image_size, image_size), dtype=np.float32)
    if score == "paper":
        _paper_images(X, y, positions, maps, rng, low, high, patch_size, vary)
    else:
        width = None if location_scale is None else location_scale * image_size
        _gaussian_images(
            X, y, positions, maps, rng, low, high, patch_size, vary, width
        )
    groups = np.arange(n_samples)
    out = (X, y, groups)
    if return_maps:
        out += (maps,)
    if return_positions:
        out += (positions,)
    return out
