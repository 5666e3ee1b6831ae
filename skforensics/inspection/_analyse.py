"""The one analysis pipeline: ``analyse``, its presets ``upscale`` and ``jpeg-audit``.

A run lists its inputs first (:func:`expand_inputs`: paths only, so a folder
of thousands of files costs no memory), then makes one record per file
(:func:`analyse_one`): the file is read once and validated once, each model
is a step that adds its columns to the record (and, when asked, saves its
map), and the record, a dict of scalars, goes to the writers
(:class:`~._records.ReportWriter`, :class:`~._report.HTMLReportWriter`) as
it comes. :func:`iter_records` yields the records in input order, in this
process or over joblib workers. The commands (:mod:`._commands`) only
choose the steps, the columns and the writers.
"""

import glob
import hashlib
import os
import time
import warnings

import numpy as np

from ..utils._color import to_uint8
from ..utils._io import (
    AUDITED_IMAGE_EXTENSIONS,
    find_image_files,
    image_corner,
    without_alpha,
)
from ._figures import _new_figure, _save_figure, shrink, shrink_factor
from ._jpeg_audit import audit_image
from ._jpeg_verdict import RESIZED_VERDICT
from ._plot._plotting import quality_shown
from ._upscale import NOT_JUDGED, VIDEO_EXTENSIONS, is_video_path

__all__ = []  # private: the command line and jpeg_audit are the public surface

MODELS = ("upscale", "jpeg")
# The probability from which the answers of both nets read "yes" (upscaled,
# compressed); written into every record.
THRESHOLD = 0.5
MEDIA_EXTENSIONS = tuple(
    sorted(set(AUDITED_IMAGE_EXTENSIONS) | set(VIDEO_EXTENSIONS))
)
_GLOB_CHARS = "*?["

# Estimators loaded in this process (the main one, or a joblib worker), by
# pretrained name, and the short sha256 of each shipped weights file.
_LOADED = {}
_WEIGHT_HASHES = {}


def parse_models(text):
    """``"upscale,jpeg"`` -> ``("upscale", "jpeg")``; ValueError names the choices."""
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in MODELS]
    if unknown or not names:
        raise ValueError(
            f"--models must be a comma-separated list of {', '.join(MODELS)}; "
            f"got {text!r}."
        )
    return names


def expand_inputs(inputs, *, exclude=None, extensions=MEDIA_EXTENSIONS):
    """List the files to analyse, in input order, before any work starts.

    A file is taken as given (whatever its suffix: if it is not an image,
    its record says so); a folder is searched recursively for files with one
    of ``extensions`` (images and videos by default); a pattern with ``*``,
    ``?`` or ``[`` that is not an existing path is expanded with
    :func:`glob.glob` (``**`` recursive).

    Returns
    -------
    paths : list of str
        The files, without duplicates.
    notes : list of str
        One line per folder or pattern that gave no file.

    Raises
    ------
    FileNotFoundError
        If an input does not exist and matches nothing.
    ValueError
        If no input gives any file.
    """
    paths, notes = [], []

    def search(folder):
        return [
            os.path.join(folder, rel)
            for rel in find_image_files(folder, extensions, exclude=exclude)
        ]

    for item in inputs:
        item = os.fspath(item)
        if os.path.isdir(item):
            found = search(item)
            if not found:
                notes.append(
                    f"no image or video file in folder '{item}' (searched "
                    f"recursively for {', '.join(extensions)})"
                )
        elif os.path.exists(item):
            found = [item]
        elif any(c in item for c in _GLOB_CHARS):
            found = []
            for match in sorted(glob.glob(item, recursive=True)):
                if os.path.isdir(match):
                    found += search(match)
                elif os.path.splitext(match)[1].lower() in extensions:
                    found.append(match)
            if not found:
                notes.append(f"no image or video file matches '{item}'")
        else:
            raise FileNotFoundError(f"No such file or folder: '{item}'.")
        paths += found
    paths = list(dict.fromkeys(paths))
    if not paths:
        raise ValueError(
            "Nothing to analyse: " + "; ".join(notes) + ". Pass image or video "
            "files, folders holding them, or patterns that match them."
        )
    return paths, notes


def load_estimator(spec):
    """``spec`` itself, or the pretrained model it names, loaded once per process."""
    if not isinstance(spec, str):
        return spec
    if spec not in _LOADED:
        from ..models import pretrained

        _LOADED[spec] = pretrained(spec)
    return _LOADED[spec]


def model_version(spec):
    """``"<name>:<sha256 of its weights files, 12 digits each>"``, or the class
    of a custom estimator."""
    if not isinstance(spec, str):
        final = spec[-1] if hasattr(spec, "steps") else spec
        return f"custom {type(final).__name__}"
    if spec not in _WEIGHT_HASHES:
        from ..models import _pretrained

        files = [_pretrained.JPEG_MODELS.get(spec, _pretrained.UPSCALE_FILE)]
        if spec.startswith("upscale") and hasattr(_pretrained, "UPSCALE_POOLING_FILE"):
            files.append(_pretrained.UPSCALE_POOLING_FILE)  # upscale_verdict's combiner
        paths = [_pretrained._weights_path(name) for name in files]
        _WEIGHT_HASHES[spec] = "+".join(
            hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in paths
            if path.is_file()
        )
    return f"{spec}:{_WEIGHT_HASHES[spec]}"


# -- The steps: each model adds its columns to the record ------------------


def _map_name(index, path, suffix):
    """``<index>_<file name>.<suffix>.png``, short enough for any file system."""
    stem = os.path.basename(path) or "image"
    if len(stem) > 120:  # names are at most 255 bytes on most file systems
        stem = stem[:60] + "..." + stem[-57:]
    return f"{index:05d}_{stem}.{suffix}.png"


# The maps are drawn from arrays at most this many pixels a side (block
# means of the image and of the maps): the saved figures' panels are 250 to
# 430 pixels wide, and matplotlib drawing a 48-megapixel image held several
# float64 RGBA copies of it (1.8 GB of the peak at 12 megapixels). 512
# rather than 1024 saves about 0.1 CPU-s per 1024x768 record, invisibly.
MAP_SIDE = 512


class UpscaleStep:
    """P(upscaled), the verdict, the factor and the native size, from
    :func:`~._upscale.upscale_verdict`; images and videos.

    ``estimator`` is a pretrained name or a fitted multi-class upscale
    :class:`~skforensics.models.PatchCNNClassifier` (first class "native"),
    or a Pipeline ending in one; ``n_frames`` and ``max_tiles`` go to
    ``upscale_verdict``. An image's pixels, validated once by
    :func:`read_source`, reach the net through its unchecked private paths
    (``frame_luminance(validated=True)``, ``_pooled`` and ``_patch_maps``
    with ``validated=True``).
    """

    name = "upscale"
    videos = True
    columns = ("p_upscaled", "upscaled", "factor", "native_height", "native_width")

    def __init__(self, estimator="upscale-factor", *, n_frames=8, max_tiles="default"):
        self.estimator = estimator
        self.n_frames = n_frames
        self.max_tiles = max_tiles

    def __call__(self, source, record, map_path):
        from ._upscale import frame_luminance, frames_verdict, upscale_verdict

        estimator = load_estimator(self.estimator)
        final = estimator[-1] if hasattr(estimator, "steps") else estimator
        # "default": upscale_verdict's own bound on the tiles per frame.
        tiles = {} if self.max_tiles == "default" else {"max_tiles": self.max_tiles}
        frame = grid = None
        if source.image is None:  # a video, read by upscale_verdict
            verdict = upscale_verdict(
                source.path, n_frames=self.n_frames, estimator=estimator, **tiles
            )
        else:
            # The luminance the net reads, made once for the verdict and the
            # map from pixels validated once (read_source): not checked again.
            frame = frame_luminance(source.image, final, validated=True)
            if map_path is not None and _maps_verdict_grid(final):
                # One pass of the net over every tile: the map shows them
                # all, and the verdict reads its tiles from the same pass.
                grid = final._patch_outputs([frame], "grid")[0]
            verdict = frames_verdict(
                _ValidatedTiles(final),
                [frame],
                tile_probas=None if grid is None else [grid],
                **tiles,
            )
        record.update(
            height=verdict.height, width=verdict.width, n_frames=len(verdict.frames)
        )
        if np.isnan(verdict.p_upscaled):  # frames that look rendered
            raise ValueError(NOT_JUDGED)
        record.update(
            p_upscaled=round(float(verdict.p_upscaled), 4),
            upscaled=bool(verdict.upscaled),
            factor=float(verdict.factor),
            native_height=int(verdict.native_height),
            native_width=int(verdict.native_width),
        )
        if map_path is None or source.image is None:
            return
        # The tile map: P(upscaled) = 1 - P(native) of each tile, one pass.
        from ._plot import PatchScoreDisplay

        # The tiles of the luminance that the verdict's net read (as
        # upscale_verdict, the pipeline's grey conversion is frame_luminance).
        if grid is not None:
            tiles = np.asarray(final._map_values(grid))
        else:
            tiles = np.asarray(final._patch_maps([frame], False, validated=True)[0])
        del frame, grid
        tiles = tiles if tiles.ndim == 2 else 1.0 - tiles[..., 0]
        fig, ax = _new_figure(
            (6, 4.6), left=0.02, right=0.98, bottom=0.03, top=0.92
        )
        # The image and the maps are the pipeline's, validated once already:
        # the Display is built from them (as from_predictions would, without
        # its checks) and drawn, from the image shrunk by a factor that
        # divides the tiles' size and stride, so that the tiles still fall
        # on whole pixels.
        patch = np.array(final.patch_size_, dtype=int)
        stride = getattr(final, "stride", None)
        step = patch if stride is None else np.broadcast_to(stride, 2).astype(int)
        k = shrink_factor(source.image.shape, MAP_SIDE, divisor=np.gcd.reduce(
            np.concatenate([patch, step])))
        PatchScoreDisplay(
            image=shrink(source.image, MAP_SIDE, factor=k),
            tile_scores=tiles,
            patch_size=tuple(int(n) // k for n in patch),
            stride=None if stride is None else tuple(int(n) // k for n in step),
            score=record["p_upscaled"],
        ).plot(ax=ax)
        _save_figure(fig, map_path)


def _maps_verdict_grid(net):
    """Whether the tile map's grid is the verdict's (non-overlapping tiles)."""
    stride = getattr(net, "stride", None)
    return stride is None or bool(
        np.all(np.broadcast_to(stride, 2) == np.asarray(net.patch_size_))
    )


class _ValidatedTiles:
    """The tile net ``net`` scoring tiles of a luminance validated once: its
    ``predict_proba`` does not check them again (the rest is the net's)."""

    def __init__(self, net):
        self._net = net

    def __getattr__(self, name):
        return getattr(self._net, name)

    def predict_proba(self, tiles):
        return self._net._pooled(tiles, validated=True)


class JPEGStep:
    """The JPEG audit of one image: the net's quality and P(compressed), the
    evidence in the pixels and the combined verdict (:func:`~._jpeg_audit.audit_image`).

    ``estimator`` is a pretrained name or a fitted PixelwiseJPEGRegressor; with
    ``evidence=False`` the verdict is the net's alone, with a low confidence.
    """

    name = "jpeg"
    videos = False
    columns = (
        "jpeg_verdict", "jpeg_confidence", "jpeg_quality", "p_compressed",
        "table_quality", "jpeg_disagreement", "net_quality", "compressed",
        "quality_iqr", "flagged_share", "resize_factor", "grid_period",
    )

    def __init__(self, estimator="jpeg-quality", *, evidence=True):
        self.estimator = estimator
        self.evidence = evidence

    def __call__(self, source, record, map_path):
        row, quality_map, flag_map = audit_image(
            load_estimator(self.estimator),
            source.image,
            raw=source.raw,
            path=source.path,
            evidence=self.evidence,
            validated=True,
        )
        row["net_quality"] = row.pop("quality")
        for key in ("verdict", "confidence", "disagreement"):
            row[f"jpeg_{key}"] = row.pop(key)
        row["jpeg_quality"] = quality_shown(
            row["net_quality"], row["jpeg_verdict"], row["p_compressed"]
        )
        if row["jpeg_verdict"] != RESIZED_VERDICT:
            # A grid the verdict does not stand on is not reported.
            row.update(resize_factor=None, grid_period=None)
        elif row.get("table_quality"):  # read through the resize; the net misses it
            row["jpeg_quality"] = row["table_quality"]
        record.update(row)
        if map_path is None:
            return
        from ._plot import JPEGMapDisplay

        fig, axes = _new_figure(
            (16, 4), (1, 4), left=0.01, right=0.995, bottom=0.14, top=0.82,
            wspace=0.32,
        )
        k = shrink_factor(source.image.shape, MAP_SIDE)
        JPEGMapDisplay(
            image=shrink(source.image, MAP_SIDE, factor=k),
            quality_map=shrink(quality_map, MAP_SIDE, factor=k),
            flag_map=shrink(flag_map, MAP_SIDE, factor=k),
            quality=row["net_quality"],
            p_compressed=row["p_compressed"],
            verdict=row["jpeg_verdict"],
            confidence=row["jpeg_confidence"],
            resize_factor=row["resize_factor"],
        ).plot(ax=axes)
        _save_figure(fig, map_path)


class BRISQUEStep:
    """The 36 BRISQUE features, as columns ``brisque_<name>``."""

    name = "brisque"
    videos = False

    @property
    def columns(self):
        return brisque_names()

    def __call__(self, source, record, map_path):
        from ..feature import brisque_features

        values = brisque_features([source.image])[0]
        record.update(zip(self.columns, (round(float(v), 6) for v in values)))


def brisque_names():
    """The 36 BRISQUE feature names, as columns (``brisque_<name>``)."""
    from ..feature._brisque import _FEATURE_NAMES

    return tuple(f"brisque_{name}" for name in _FEATURE_NAMES)


def prepare(steps, *, draw):
    """Load the steps' models and import what drawing needs, in this process.

    Called before the first file of each process is read: joblib's workers
    measure their memory after their first task and restart themselves
    (with a warning, "A worker stopped while some jobs were given to the
    executor") when it later grows by more than 300 MB, which loading
    torch and the models in a later task did when a worker's first file
    could not be read.
    """
    prepare_process(_estimators(steps), draw)
    return steps


def _estimators(steps):
    return tuple(step.estimator for step in steps if hasattr(step, "estimator"))


def prepare_process(estimators, draw):
    """:func:`prepare` for the steps' ``estimators`` (names or estimators).

    The initializer of the workers of ``iter_records``: they load the models
    before their first task, and equal names let a later run reuse them.
    """
    for spec in estimators:
        load_estimator(spec)
    if draw:
        import matplotlib.figure  # noqa: F401


# -- One record per file ----------------------------------------------------


class _Source:
    """What the steps read: the path, the pixels as read and as validated
    (:func:`validated_pixels`: ``uint8`` for 8-bit files, else float32)."""

    def __init__(self, path, raw=None, image=None):
        self.path, self.raw, self.image = path, raw, image


def _mode(image):
    if image.ndim == 2 or image.shape[2] == 1:
        mode = "gray"
    elif image.shape[2] == 2:
        mode = "gray+alpha"
    elif image.shape[2] == 4:
        mode = "RGBA"
    else:
        mode = "RGB"
    if image.dtype == np.uint16:
        mode += " 16-bit"
    elif image.dtype.kind == "f":
        mode += " float"
    return mode


def _reason(exc):
    return " ".join(str(exc).split())


THUMBNAIL_SIZE = 320


def _save_thumbnail(image, path):
    """Save ``image`` (uint8, or float in [0, 1]) as a PNG at most
    THUMBNAIL_SIZE pixels a side."""
    from PIL import Image

    if max(image.shape[:2]) > 4 * THUMBNAIL_SIZE:
        # A block mean first: no image-sized copy (Pillow holds RGB as RGBX).
        image = to_uint8(shrink(image, 4 * THUMBNAIL_SIZE))
    elif image.dtype != np.uint8:
        image = to_uint8(image)
    thumb = Image.fromarray(image)
    thumb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    thumb.save(path)


def file_stamp(path):
    """``(size in bytes, modification time)`` of a file, (None, None) if it has none."""
    try:
        stat = os.stat(path)
    except OSError:
        return None, None
    return int(stat.st_size), float(stat.st_mtime)


def read_source(path, *, max_pixels="pillow"):
    """Read and validate an image file once: ``(source, mode)``.

    OSError or ValueError if it cannot be read; ``max_pixels`` is
    :func:`~skforensics.utils.read_image`'s decompression-bomb limit.
    """
    from ..utils import read_image

    raw = read_image(path, max_pixels=max_pixels)
    return _Source(os.fspath(path), raw, validated_pixels(raw)), _mode(raw)


def validated_pixels(raw):
    """The pixels of a file as the steps read them, validated once.

    8-bit pixels stay ``uint8``: a 48-megapixel RGB photograph is 144 MB
    as read and would be 576 MB as float32, and every step converts what it
    needs itself (a tile, a strip, the luminance). Their structure (number
    of dimensions, channels) is checked by :func:`~skforensics.utils.check_images`
    on a corner of the image, which holds the same dtype and channels; the
    values of 8-bit pixels need no check. Other dtypes (16-bit, float) are
    validated whole and converted to float32, as before. An alpha channel is
    dropped and ``(H, W, 1)`` becomes ``(H, W)``.
    """
    from ..utils import check_images

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an alpha channel is dropped: said in mode
        if raw.dtype == np.uint8 and raw.ndim in (2, 3):
            check_images([image_corner(raw, 8, 8)])
            image = without_alpha(raw)
        else:
            image = np.asarray(check_images([raw])[0], dtype=np.float32)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    return image


def analyse_one(
    index, path, *, steps, maps_dir=None, thumbs_dir=None, max_pixels="pillow"
):
    """Analyse one file with ``steps`` and return its record (a dict of scalars).

    Never raises for a bad file: a file that cannot be read gets
    ``failed=True`` and the reason in ``error``; a step that cannot answer
    (an image smaller than its model needs) leaves its columns empty and
    adds its reason to ``error`` while the other steps still answer. A
    video goes to the steps that read videos (the upscale step) as a path.
    With ``maps_dir``, each step saves its map there, and with
    ``thumbs_dir`` a thumbnail of the image is saved (for the HTML report),
    named by :func:`_map_name`. ``max_pixels`` is the decompression-bomb
    limit of :func:`~skforensics.utils.read_image`.
    """
    from .. import __version__

    prepare(steps, draw=maps_dir is not None)
    start = time.perf_counter()
    path = os.fspath(path)
    record = {"index": index, "path": path, "error": "", "failed": False}
    record.update(dict.fromkeys(("kind", "height", "width", "mode", "n_frames")))
    for step in steps:
        record.update(dict.fromkeys(step.columns))
    record["file_size"], record["file_mtime"] = file_stamp(path)
    record["threshold"] = THRESHOLD
    record["skforensics_version"] = __version__
    record["model_versions"] = " ".join(
        model_version(step.estimator) for step in steps if hasattr(step, "estimator")
    )
    video = is_video_path(path)
    errors = []
    if video:
        record.update(kind="video", mode="video")
        source = _Source(path)
        if not any(step.videos for step in steps):
            errors.append(
                "videos are read by the upscale model only; this run has "
                + ", ".join(step.name for step in steps)
            )
    else:
        try:
            source, record["mode"] = read_source(path, max_pixels=max_pixels)
        except (OSError, ValueError, TypeError) as exc:
            hint = ""
            if "max_pixels" in str(exc):
                hint = " On the command line: --max-pixels N (0 for no limit)."
            record.update(
                kind="image",
                error=f"cannot read: {_reason(exc)}{hint}",
                failed=True,
                seconds=round(time.perf_counter() - start, 3),
            )
            return record
        record["kind"] = "image"
        record["height"], record["width"] = (int(n) for n in source.image.shape[:2])
        record["n_frames"] = 1
        if thumbs_dir is not None:
            _save_thumbnail(
                source.image, os.path.join(thumbs_dir, _map_name(index, path, "thumb"))
            )
    for step in steps:
        if video and not step.videos:
            continue
        map_path = None
        if maps_dir is not None and step.name != "brisque":
            map_path = os.path.join(maps_dir, _map_name(index, path, step.name))
        try:
            step(source, record, map_path)
            if map_path is not None and os.path.isfile(map_path):
                record[f"map_{step.name}"] = os.path.basename(map_path)
        except (OSError, ValueError) as exc:
            for column in step.columns:
                record[column] = None
            errors.append(f"{step.name}: {_reason(exc)}")
    if video and record.get("height") is None:
        # Not a frame could be decoded: the file failed, as an unreadable image.
        record["failed"] = True
    record["error"] = "; ".join(errors)
    record["seconds"] = round(time.perf_counter() - start, 3)
    return record


def iter_records(
    items, *, steps, maps_dir=None, thumbs_dir=None, n_jobs=1, max_pixels="pillow"
):
    """Yield the record of each ``(index, path)`` of ``items``, in order, as they come.

    With ``n_jobs`` other than 1, files are shared among joblib workers
    (each loads the models once); only a few files are dispatched ahead,
    so memory stays bounded.
    """
    kwargs = {
        "steps": steps,
        "maps_dir": maps_dir,
        "thumbs_dir": thumbs_dir,
        "max_pixels": max_pixels,
    }
    if n_jobs == 1:
        for index, path in items:
            yield analyse_one(index, path, **kwargs)
        return
    from joblib import delayed

    from ..utils._parallel import prepared_parallel

    # Workers that loaded the models before their first task, not ones left
    # by an earlier joblib call (loky would restart them, with a warning).
    parallel = prepared_parallel(
        n_jobs,
        prepare_process,
        (_estimators(steps), maps_dir is not None),
        return_as="generator",
        pre_dispatch="2*n_jobs",
    )
    yield from parallel(
        delayed(analyse_one)(index, path, **kwargs) for index, path in items
    )


def check_output_dir(output_dir):
    """Create ``output_dir`` and make sure it is writable, before any work.

    Raises
    ------
    ValueError
        If the folder cannot be created or written to; the message names it.
    """
    output_dir = os.path.abspath(os.fspath(output_dir))
    try:
        os.makedirs(output_dir, exist_ok=True)
        probe = os.path.join(output_dir, ".skforensics-write-test")
        with open(probe, "w") as f:
            f.write("")
        os.remove(probe)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ValueError(
            f"Cannot write the report to '{output_dir}' ({reason}); pass a "
            "writable folder with --out."
        ) from None
    return output_dir
