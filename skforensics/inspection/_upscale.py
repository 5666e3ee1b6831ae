"""Whole-file upscaling verdicts: images and videos, P(upscaled) and native size.

The shipped tile net (``pretrained("upscale-factor")``) scores the textured
64x64 tiles of each frame; their evidence, the periodic trace of an upscale
in the frame's second derivative and the share of textured tiles add up over
the frames of a video, and a small combiner trained on whole video files
turns the pooled evidence into one probability per file
(:mod:`._upscale_evidence`). A video is judged from a few frames spread over
the file, chosen among its keyframes first, because they decode without
their predecessors.
"""

import os
from numbers import Integral

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from ..utils._io import IMAGE_EXTENSIONS

__all__ = ["upscale_verdict"]

VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mts", ".m2ts",
     ".mpg", ".mpeg", ".wmv", ".flv", ".y4m", ".hevc", ".h264", ".264", ".265"}
)


# upscale_verdict's bound on the tiles the net scores per frame.
MAX_TILES = 256
# What analyse says of a file whose frames all look rendered (no P).
NOT_JUDGED = "not judged: the pixels look rendered (text, charts, flat colour)"


def is_video_path(path):
    """Whether ``path`` names a video file, by its extension."""
    return os.path.splitext(os.fspath(path))[1].lower() in VIDEO_EXTENSIONS


def _frames_of(path):
    """A video's keyframe indices and its frame count."""
    from ..datasets._video import _count_decoded, _table

    path = os.fspath(path)
    pts, keyframes = _table(path, "upscale_verdict")
    total = _count_decoded(path, "upscale_verdict") if pts is None else len(pts)
    return keyframes, total


def video_sample(path, n_frames):
    """Indices of up to ``n_frames`` frames of a video, keyframes first.

    Keyframes spread evenly over the file when it has enough of them; else
    every keyframe and the frames that follow the keyframes, which the
    decoder reaches without seeking, until ``n_frames`` are chosen.
    """
    keyframes, total = _frames_of(path)
    if len(keyframes) >= n_frames:
        pick = np.unique(np.round(np.linspace(0, len(keyframes) - 1, n_frames)))
        return keyframes[pick.astype(np.intp)]
    chosen = {int(k) for k in keyframes}
    offset = 1
    while len(chosen) < min(n_frames, total):
        for key in keyframes:
            if int(key) + offset < total and len(chosen) < n_frames:
                chosen.add(int(key) + offset)
        offset += 1
    return np.array(sorted(chosen), dtype=np.intp)


def spread_sample(path, n_frames):
    """Indices of ``n_frames`` frames of a video spread evenly over it, its
    first and last frames left out."""
    _, total = _frames_of(path)
    picks = np.round(np.linspace(0, total - 1, n_frames + 2)[1:-1]).astype(np.intp)
    return np.unique(picks).tolist()


def upscale_verdict(source, *, n_frames=8, max_tiles=MAX_TILES, estimator=None):
    """Tell whether an image or video was upscaled, and from which native size.

    A verdict per file, as the ``skforensics upscale`` command prints it.
    Each frame's luminance (a video's own Y plane) is cut into 64x64 tiles;
    the shipped tile net scores the textured ones, and the second
    derivative of the whole frame is read for the period an upscale leaves
    (:func:`skforensics.feature.resampling_periodicity`). That evidence is
    pooled over all frames of a video before anything is decided: a shipped
    combiner turns it into the probability that the file was upscaled and,
    when it was, the most probable scale factor and the native size it
    implies.

    Parameters
    ----------
    source : str, path-like or array-like
        An image file, a video file (read with PyAV, the ``video`` extra),
        or one image as an array (grayscale ``(H, W)`` or RGB ``(H, W, 3)``,
        ``uint8`` or float in [0, 1]; anything ``numpy.asarray`` takes to
        one, such as a PIL image).
    n_frames : int, default=8
        Frames of a video to judge, spread over the file and taken among its
        keyframes first (see Notes). Ignored for images.
    max_tiles : int or None, default=256
        The most tiles the net scores per frame, the most textured first
        (a 3840x2160 frame has 1,980 tiles). Tiles without texture (mean
        absolute Laplacian below 0.01) are never scored unless a frame has
        almost none with texture. None scores every textured tile.
    estimator : fitted PatchCNNClassifier or Pipeline, default=None
        A classifier whose first class is "native" and whose other classes
        are scale factors, on luminance tiles; None loads
        ``pretrained("upscale-factor")``. Load it once and pass it when
        judging many files.

    Returns
    -------
    verdict : Bunch
        With keys:

        - ``kind``: ``"image"`` or ``"video"``;
        - ``height``, ``width``: the frame size;
        - ``frames``: the indices of the frames judged (``[0]`` for an
          image);
        - ``frame_p_upscaled``: ndarray, P(upscaled) of each frame judged
          on its own evidence;
        - ``p_upscaled``: float, P(upscaled) of the file, from the evidence
          of all its frames pooled (not the mean of ``frame_p_upscaled``:
          evidence too weak in any one frame adds up);
        - ``upscaled``: bool, ``p_upscaled > 0.5``;
        - ``factor``: float, when ``upscaled`` the factor class whose mean
          probability over the textured tiles, weighted by the periodicity
          found at its period, is largest; else 1.0;
        - ``factor_proba``: dict, factor -> the net's mean probability over
          the textured tiles (1.0 for native);
        - ``evidence``: dict, the pooled numbers the combiner read
          (``skforensics.inspection._upscale_evidence.FEATURES``, and
          ``DESCALE_FEATURES`` when ``descaled``), for audits;
        - ``descaled``: bool, whether the combiner was unsure on the tiles
          and the periodicity alone and also read descale and compare
          (see Notes);
        - ``replication``: None, or the ``(row, column)`` factors of a
          nearest-neighbour enlargement whose repeated pixels at least half
          of the frames show (each None where that axis shows none): then
          ``p_upscaled`` is 1.0 and ``factor`` their geometric mean (see
          Notes);
        - ``native_height``, ``native_width``: the frame size divided by
          ``factor`` (by each axis's factor of ``replication``), rounded;
        - ``rendered``: bool, whether every frame judged looks rendered
          rather than photographed (text, charts, flat colour; see
          Notes): then, unless ``replication`` decides, ``p_upscaled`` is
          NaN, ``upscaled`` False and ``factor`` 1.0. A video's rendered
          frames (title cards, black frames) are left out of the pooled
          evidence and get NaN in ``frame_p_upscaled``.

    Raises
    ------
    FileNotFoundError
        If ``source`` names a file that does not exist.
    OSError
        If an image file cannot be read (the message names it).
    ValueError
        If a video file cannot be read (the message names it), ``source``
        is neither an image nor a video file, a frame is smaller than
        64x64, or ``n_frames`` or ``max_tiles`` is below 1.
    TypeError
        If ``n_frames`` or ``max_tiles`` is not an int, or ``estimator`` is
        not a classifier.
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.

    See Also
    --------
    skforensics.models.pretrained : The ``"upscale-detector"`` and
        ``"upscale-factor"`` models.
    skforensics.datasets.LazyVideoFrames : Video frames as an image
        collection.

    Notes
    -----
    Keyframes decode without the frames before them, so judging 8 frames
    of a long video costs 8 keyframe decodes and a seek each. A video with
    fewer keyframes than ``n_frames`` (a short clip is often one group of
    pictures) is judged on its keyframes and the frames right after them.
    Keyframes are also the encoder's best pictures: the evidence of an
    upscale survives best there. Where every frame so chosen looks rendered
    (a black lead-in or a title card; see below), frames spread evenly
    over the file are judged instead.

    The combiner has two stages. The first reads the tiles and the
    periodicity. Where its probability is neither near 0 nor near 1 (the
    band stored with the combiner), the first two frames judged are also
    descaled and compared (:func:`skforensics.feature.descale_curve`:
    about a second per frame on one core, whatever its size) and the
    second stage decides on all the evidence. Clear cases pay nothing more.

    A nearest-neighbour enlargement (pixel replication: ``cv2.INTER_NEAREST``,
    Pillow's ``NEAREST`` and ``BOX``, ``np.repeat``) repeats whole rows and
    columns exactly, the ``k``-th new one within a pixel of ``k`` times the
    factor. That is read directly, over the non-constant rows and columns,
    and decides: the tile net never saw such enlargements. A lossy codec
    after the enlargement breaks the equality, and the verdict is then the
    combiner's.

    The net and the combiner learned from photographs and video frames.
    Rendered content misleads them (antialiased text reads as an
    interpolated upscale), and leaves what a camera does not: most
    neighbouring pixels exactly equal, hardly a pixel more than ten pixels
    from a flat area, and one background value over a quarter of the frame
    or more (``skforensics.feature._rendered``; none of 237 photographs,
    228 photographs on a white canvas and 3,192 frames of 399 held-out
    video files reads so). Such frames are left out of a video's evidence,
    and a file whose frames judged all look rendered gets no probability
    rather than a guess.

    The held-out figures of the verdict on whole video files and on images
    are in the user guide (:ref:`fake4k`); blur, defocus and noise are the
    content most often mistaken for an upscale.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.inspection import upscale_verdict
    >>> rng = np.random.default_rng(0)
    >>> image = rng.integers(0, 256, (128, 192), dtype=np.uint8)
    >>> verdict = upscale_verdict(image)
    >>> verdict.kind, verdict.frames, round(verdict.p_upscaled, 2) < 0.5
    ('image', [0], True)
    """
    from ..models import pretrained
    from ..utils import read_image
    from ..utils._io import without_alpha

    if estimator is None:
        estimator = pretrained("upscale-factor")
    model = estimator[-1] if hasattr(estimator, "steps") else estimator
    if hasattr(model, "fit"):
        check_is_fitted(model)
    if not (hasattr(model, "predict_proba") and hasattr(model, "classes_")):
        raise TypeError(
            "estimator must be a fitted classifier of upscale factors (as "
            "pretrained('upscale-factor')) or a Pipeline ending in one; got "
            f"{type(estimator).__name__}."
        )
    _check_count("n_frames", n_frames)  # both before any file is read
    _check_max_tiles(max_tiles)
    # Anything but a path is one image as an array: ndarray, PIL image, ...
    is_path = isinstance(source, (str, os.PathLike))
    name = os.fspath(source) if is_path else None

    def luminances(images):
        for image in images:
            try:
                yield frame_luminance(image, model)
            except ValueError as exc:
                if name is None:
                    raise
                # check_images' refusal (too small, channels) names no file.
                raise ValueError(f"'{name}': {exc}") from None

    if not is_path:
        image = np.asarray(source)
        return frames_verdict(model, luminances([image]), max_tiles=max_tiles)
    if is_video_path(source):
        from ..datasets import LazyVideoFrames

        def judge(frames):
            lazy = LazyVideoFrames(source, mode="gray")[frames]
            try:
                return frames_verdict(
                    model,
                    luminances(lazy[i] for i in range(len(lazy))),
                    max_tiles=max_tiles,
                    kind="video",
                    frames=frames,
                )
            finally:
                lazy.close()

        frames = video_sample(source, n_frames).tolist()
        verdict = judge(frames)
        if verdict.rendered:
            # A black lead-in or a title card, and one keyframe: the sample
            # was the first frames. Frames spread over the file are judged
            # instead (decoded in one forward pass).
            spread = [i for i in spread_sample(source, n_frames) if i not in frames]
            if spread:
                verdict = judge(spread)
        return verdict
    if os.path.splitext(os.fspath(source))[1].lower() not in IMAGE_EXTENSIONS:
        raise ValueError(
            f"'{os.fspath(source)}' is neither an image nor a video file "
            "by its extension."
        )
    # A file's alpha channel is dropped without a word (analyse does so too).
    image = without_alpha(read_image(source))
    return frames_verdict(model, luminances([image]), max_tiles=max_tiles)


def frames_verdict(
    model, luminances, *, max_tiles=MAX_TILES, kind="image", frames=(0,),
    tile_probas=None,
):
    """:func:`upscale_verdict`'s answer from the luminance of the frames of
    one file, each float32 in [0, 1] and validated (:func:`frame_luminance`).

    ``model`` is the tile net (the last step of the estimator),
    ``luminances`` an iterable of the frames' luminance, ``frames`` their
    indices in the file. ``tile_probas``, one per frame, are the net's
    class probabilities of every tile of the frame's grid where the caller
    has them already (``frame_evidence``).
    """
    from ..feature._rendered import looks_rendered
    from ..feature._resampling import replicated_factors
    from ..models._pretrained import load_upscale_pooling
    from ._upscale_evidence import (
        DESCALE_FEATURES,
        FEATURES,
        decide,
        frame_evidence,
        pool,
    )

    _check_max_tiles(max_tiles)
    classes = np.asarray(model.classes_, dtype=float)
    pooling = load_upscale_pooling()
    second = pooling.get("descale")
    frame_evidences, kept, replicated, rendered = [], [], [], []
    for i, frame in enumerate(luminances):
        probas = None if tile_probas is None else tile_probas[i]
        frame_evidences.append(
            frame_evidence(model, frame, max_tiles=max_tiles, tile_probas=probas)
        )
        replicated.append(replicated_factors(frame))
        # Rendered frames (text, charts, flat colour: a title card, a black
        # fade) are not what the net and the combiner learned from: the
        # file is judged on its other frames, and on none if all are.
        rendered.append(looks_rendered(frame))
        if second is not None and len(kept) < second["frames"] and not rendered[-1]:
            # Descaled below if the first stage is unsure.
            kept.append((frame_evidences[-1], frame))
        shape = frame.shape
    judged = [e for e, r in zip(frame_evidences, rendered) if not r]
    is_rendered = not judged
    pooled = pool(judged or frame_evidences)
    p_up, factor, features = decide(pooled, classes, pooling)
    # Only photographed frames are kept, and only with a second stage.
    descaled = bool(kept) and bool(second["band"][0] <= p_up <= second["band"][1])
    if descaled:
        # Unsure: descale and compare the first frames judged, and decide again.
        for evidence, frame in kept:
            evidence.add_descale(frame)
        pooled = pool(judged)
        p_up, factor, features = decide(pooled, classes, pooling)
    frame_p = np.array([decide(e, classes, pooling)[0] for e in frame_evidences])
    frame_p[rendered] = np.nan
    upscaled = p_up > 0.5
    mean = pooled.textured_proba().mean(axis=0)
    height, width = int(shape[0]), int(shape[1])
    factor = factor if upscaled else 1.0
    native = round(height / factor), round(width / factor)
    replication = _replication(replicated)
    if sum(rendered) * 2 >= len(rendered) and not _square(replication):
        # Text laid out at a fixed line pitch repeats rows regularly too: in
        # rendered frames, only the same repeats along both axes count.
        replication = None
    if replication is not None:
        # Pixels repeated as a nearest-neighbour enlargement repeats them:
        # proof of an upscale, with its factor along each axis.
        p_up, upscaled = 1.0, True
        frame_p[[r != (None, None) for r in replicated]] = 1.0
        factor = round(float(np.sqrt(np.prod([f or 1.0 for f in replication]))), 2)
        native = tuple(
            round(n / (f or 1.0)) for n, f in zip((height, width), replication)
        )
    if is_rendered and replication is None:
        p_up, upscaled, factor, native = np.nan, False, 1.0, (height, width)
    return Bunch(
        kind=kind,
        height=height,
        width=width,
        frames=list(frames),
        frame_p_upscaled=frame_p,
        p_upscaled=float(p_up),
        upscaled=bool(upscaled),
        factor=float(factor),
        factor_proba={float(c): float(p) for c, p in zip(classes, mean)},
        evidence=dict(
            zip(FEATURES + DESCALE_FEATURES * descaled, map(float, features))
        ),
        descaled=descaled,
        replication=replication,
        native_height=native[0],
        native_width=native[1],
        rendered=bool(is_rendered),
    )


def _replication(replicated):
    """The (row, column) factors of the pixel replication that at least half
    of the frames show (rounded, each None where that axis shows none), or
    None (see ``feature._resampling.replicated_factors``)."""
    found = [r for r in replicated if r != (None, None)]
    if not found or 2 * len(found) < len(replicated):
        return None
    return tuple(
        None if all(r[axis] is None for r in found)
        else round(float(np.median([r[axis] for r in found if r[axis]])), 3)
        for axis in (0, 1)
    )


def _square(replication):
    """Whether ``replication`` repeats rows and columns alike (within 5%)."""
    return bool(
        replication is not None
        and None not in replication
        and abs(np.log(replication[0] / replication[1])) < 0.05
    )


def _check_max_tiles(max_tiles):
    if max_tiles is not None:
        _check_count("max_tiles", max_tiles, " or None")


def _check_count(name, value, alternative=""):
    """An int of at least 1 (a float or a string is refused, not truncated)."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int{alternative}; got {value!r}.")
    if value < 1:
        raise ValueError(f"{name} must be at least 1{alternative}; got {value}.")


def frame_luminance(image, model, *, validated=False):
    """The luminance that the tile net ``model`` reads of one image: float32
    in [0, 1], BT.601 grey of a colour image.

    The image is checked as :func:`~skforensics.utils.check_images` checks
    it, at least the net's tile size. An 8-bit image is checked on its
    top-left corner (:func:`~skforensics.utils._io.image_corner`) and
    converted a strip of rows at a time: the same values, without a float
    copy of the colour image. ``validated=True``: the image was checked by
    the caller (analyse's pixels, validated once), only its size is.
    """
    from ..utils import check_images, to_grayscale
    from ..utils._color import _gray_one
    from ..utils._io import image_corner, without_alpha
    from ..utils._validation import check_min_size

    hint = " (the upscale net's tiles)"
    image = np.asarray(image)
    height, width = (int(n) for n in model.patch_size_)
    if validated:
        check_min_size(image.shape, (height, width), hint=hint, where=" (image 0)")
    elif image.dtype != np.uint8 or image.ndim not in (2, 3):
        image = check_images([image], min_size=(height, width), min_size_hint=hint)[0]
    else:
        check_images(
            [image_corner(image, height, width)],
            min_size=(height, width),
            min_size_hint=hint,
        )
    if image.dtype != np.uint8:
        image = np.asarray(image, dtype=np.float32)
        if image.ndim == 3:
            image = np.asarray(to_grayscale(image[np.newaxis])[0], dtype=np.float32)
        return image
    image = without_alpha(image)
    gray = np.empty(image.shape[:2], dtype=np.float32)
    for top in range(0, image.shape[0], _STRIP_ROWS):
        gray[top : top + _STRIP_ROWS] = _gray_one(image[top : top + _STRIP_ROWS])
    return gray


# Rows per strip of frame_luminance.
_STRIP_ROWS = 256


def factor_words(verdict):
    """The verdict in words, e.g. ``"upscaled x2 from ~1920x1080, P = 0.97"``."""
    from ._plot._plotting import factor_words as words

    return words(
        verdict["p_upscaled"],
        verdict["upscaled"],
        verdict["factor"],
        verdict["native_width"],
        verdict["native_height"],
    )


def run_upscale_command(args, out=None):
    """The ``skforensics upscale`` command: a preset of the analysis pipeline.

    Returns the exit code: 0 when done (files that could not be read are
    reported and counted), 2 for usage errors and missing inputs. See
    :func:`~._commands.upscale_command`.
    """
    from ._commands import upscale_command

    return upscale_command(args, out=out)
