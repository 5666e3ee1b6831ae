"""``skforensics analyse``: run every shipped model over files and folders.

The work is split so that memory stays bounded on folders of thousands of
files: :func:`expand_inputs` lists the files (paths only),
:func:`analyse_one` reads one image, runs the models, saves its maps (and,
for the HTML report, a thumbnail) and returns a small record of scalars, and
:class:`ReportWriter` streams each record to ``report.csv`` and
``report.json`` as it comes (:class:`~._report.HTMLReportWriter` to
``report.html``).
"""

import csv
import glob
import json
import math
import os
import time
import warnings

import numpy as np

from ..utils._io import IMAGE_EXTENSIONS, find_image_files

__all__ = []  # private: the command line is the public surface

MODELS = ("upscale", "jpeg")
BASE_FIELDS = (
    "path",
    "height",
    "width",
    "mode",
    "p_upscaled",
    "jpeg_quality",
    "p_compressed",
    "seconds",
    "error",
)
# Pretrained weights behind each model name, and the columns each one fills.
_PRETRAINED = {"upscale": "upscale-detector", "jpeg": "jpeg-quality"}
_MODEL_FIELDS = {"upscale": ("p_upscaled",), "jpeg": ("jpeg_quality", "p_compressed")}
_GLOB_CHARS = "*?["

# Models loaded in this process (the main one, or a joblib worker).
_LOADED = {}


def brisque_names():
    """The 36 BRISQUE feature names, as columns (``brisque_<name>``)."""
    from ..feature._brisque import _FEATURE_NAMES

    return tuple(f"brisque_{name}" for name in _FEATURE_NAMES)


def fields(*, brisque=False):
    """Columns of the report, in order."""
    return BASE_FIELDS + (brisque_names() if brisque else ())


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


def expand_inputs(inputs, *, exclude=None, extensions=IMAGE_EXTENSIONS):
    """List the files to analyse, in input order, before any work starts.

    A file is taken as given (whatever its suffix: if it is not an image, its
    record says so); a folder is searched recursively for files with one of
    ``extensions`` (image files by default); a pattern with ``*``, ``?`` or
    ``[`` that is not an existing path is expanded with :func:`glob.glob`
    (``**`` recursive).

    Returns
    -------
    paths : list of str
        The files, without duplicates.
    warnings : list of str
        One line per folder or pattern that gave no image file.

    Raises
    ------
    FileNotFoundError
        If an input does not exist and matches nothing.
    ValueError
        If no input gives any file.
    """
    paths, notes = [], []
    for item in inputs:
        item = os.fspath(item)
        if os.path.isdir(item):
            found = [
                os.path.join(item, rel)
                for rel in find_image_files(item, extensions, exclude=exclude)
            ]
            if not found:
                notes.append(
                    f"no image file in folder '{item}' (searched recursively for "
                    f"{', '.join(extensions)})"
                )
        elif os.path.exists(item):
            found = [item]
        elif any(c in item for c in _GLOB_CHARS):
            matches = sorted(glob.glob(item, recursive=True))
            found = []
            for match in matches:
                if os.path.isdir(match):
                    found += [
                        os.path.join(match, rel)
                        for rel in find_image_files(match, extensions, exclude=exclude)
                    ]
                elif os.path.splitext(match)[1].lower() in extensions:
                    found.append(match)
            if not found:
                notes.append(f"no image file matches '{item}'")
        else:
            raise FileNotFoundError(f"No such file or folder: '{item}'.")
        paths += found
    paths = list(dict.fromkeys(paths))
    if not paths:
        raise ValueError(
            "Nothing to analyse: " + "; ".join(notes) + ". Pass image files, "
            "folders holding images, or patterns that match them."
        )
    return paths, notes


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


def load_models(models, *, jpeg_weights="jpeg-quality"):
    """The pretrained estimators of ``models``, loaded once per process.

    ``jpeg_weights`` names the weights of the ``jpeg`` model, one of
    ``skforensics.cli.JPEG_WEIGHTS``.
    """
    from ..models import pretrained

    weights = {**_PRETRAINED, "jpeg": jpeg_weights}
    for name in models:
        if weights[name] not in _LOADED:
            _LOADED[weights[name]] = pretrained(weights[name])
    return {name: _LOADED[weights[name]] for name in models}


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


def _map_name(index, path, suffix):
    """``<index>_<file name>.<suffix>.png``, short enough for any file system."""
    stem = os.path.basename(path) or "image"
    if len(stem) > 120:  # names are at most 255 bytes on most file systems
        stem = stem[:60] + "..." + stem[-57:]
    return f"{index:05d}_{stem}.{suffix}.png"


THUMBNAIL_SIZE = 320


def _save_thumbnail(image, path):
    """Save ``image`` (float, [0, 1]) as a PNG at most THUMBNAIL_SIZE pixels a side."""
    from PIL import Image

    pixels = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    thumb = Image.fromarray(pixels)
    del pixels
    thumb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    thumb.save(path)


def _new_figure(figsize, **adjust):
    # A fixed layout rather than the constrained one of the Displays' own
    # figures: the constrained layout took half of the drawing time of each
    # map (about 1.3 s of 2.6 s per 1024x768 image, measured on 2 cores).
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    fig.subplots_adjust(**adjust)
    return fig


def _save_figure(fig, path):
    fig.savefig(path, dpi=72)
    fig.clear()


def _upscale(detector, image, record, maps_dir, index):
    from ._display import PatchScoreDisplay, _patch_verdict

    tiles, p, final = _patch_verdict(detector, image)
    record["p_upscaled"] = round(p, 4)
    if maps_dir is None:
        return
    fig = _new_figure((6, 4.6), left=0.02, right=0.98, bottom=0.03, top=0.92)
    PatchScoreDisplay.from_predictions(
        image,
        tiles,
        patch_size=tuple(final.patch_size_),
        stride=getattr(final, "stride", None),
        score=p,
        ax=fig.subplots(),
    )
    name = _map_name(index, record["path"], "upscale")
    _save_figure(fig, os.path.join(maps_dir, name))


def _jpeg(estimator, image, record, maps_dir, index):
    (quality_map,), (flag_map,), summary = estimator.predict_maps(
        [image], return_summary=True
    )
    quality = float(summary["quality"][0])
    p = float(summary["proba"][0, -1])
    # NaN: no texture, the JPEG history is unknown (the CSV cell is empty).
    record["jpeg_quality"] = round(quality, 2) if np.isfinite(quality) else None
    record["p_compressed"] = round(p, 4)
    if maps_dir is None:
        return
    from ._display import JPEGMapDisplay

    fig = _new_figure(
        (16, 4), left=0.01, right=0.995, bottom=0.14, top=0.82, wspace=0.32
    )
    known = bool(np.isfinite(quality))
    JPEGMapDisplay.from_predictions(
        image,
        quality_map,
        flag_map,
        quality=min(max(quality, 0.0), 100.0) if known else None,
        p_compressed=min(max(p, 0.0), 1.0) if known else None,
        ax=fig.subplots(1, 4),
    )
    if not known:
        fig.suptitle("JPEG history unknown: no texture to read it from")
    _save_figure(fig, os.path.join(maps_dir, _map_name(index, record["path"], "jpeg")))


def analyse_one(
    index,
    path,
    *,
    models=MODELS,
    brisque=False,
    maps_dir=None,
    thumbs_dir=None,
    jpeg_weights="jpeg-quality",
):
    """Analyse one file and return its record (a dict of scalars).

    Never raises for a bad file: a file that cannot be read gets
    ``failed=True`` and the reason in ``error``; a model that cannot answer
    (an image smaller than it needs) leaves its columns empty and adds its
    reason to ``error`` while the other models still answer. With
    ``thumbs_dir``, a thumbnail of the image is saved there (for the HTML
    report) under ``_map_name(index, path, "thumb")``. ``jpeg_weights``
    names the weights of the ``jpeg`` model (see :func:`load_models`).
    """
    from ..utils import check_images, read_image

    start = time.perf_counter()
    record = dict.fromkeys(fields(brisque=brisque))
    record.update(path=os.fspath(path), error="", failed=False, index=index)
    errors = []
    try:
        raw = read_image(path)
        record["height"], record["width"] = (int(n) for n in raw.shape[:2])
        record["mode"] = _mode(raw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an alpha channel is dropped: said in mode
            image = np.asarray(check_images([raw])[0], dtype=np.float32)
        del raw
    except (OSError, ValueError, TypeError) as exc:
        record["error"] = f"cannot read: {_reason(exc)}"
        record["failed"] = True
        record["seconds"] = round(time.perf_counter() - start, 3)
        return record
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if thumbs_dir is not None:
        _save_thumbnail(
            image, os.path.join(thumbs_dir, _map_name(index, path, "thumb"))
        )
    estimators = load_models(models, jpeg_weights=jpeg_weights)
    steps = [("upscale", _upscale), ("jpeg", _jpeg)]
    for name, step in steps:
        if name not in estimators:
            continue
        try:
            step(estimators[name], image, record, maps_dir, index)
        except ValueError as exc:
            for column in _MODEL_FIELDS[name]:
                record[column] = None
            errors.append(f"{name}: {_reason(exc)}")
    if brisque:
        from ..feature import brisque_features

        try:
            values = brisque_features([image])[0]
            record.update(zip(brisque_names(), (round(float(v), 6) for v in values)))
        except ValueError as exc:
            errors.append(f"brisque: {_reason(exc)}")
    record["error"] = "; ".join(errors)
    record["seconds"] = round(time.perf_counter() - start, 3)
    return record


def iter_records(
    paths,
    *,
    models=MODELS,
    brisque=False,
    maps_dir=None,
    thumbs_dir=None,
    jpeg_weights="jpeg-quality",
    n_jobs=1,
):
    """Yield the record of each file, in input order, as results come.

    With ``n_jobs`` other than 1, files are shared among joblib workers
    (each loads the models once); only a few files are dispatched ahead,
    so memory stays bounded.
    """
    kwargs = {
        "models": models,
        "brisque": brisque,
        "maps_dir": maps_dir,
        "thumbs_dir": thumbs_dir,
        "jpeg_weights": jpeg_weights,
    }
    if n_jobs == 1:
        for index, path in enumerate(paths):
            yield analyse_one(index, path, **kwargs)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, return_as="generator", pre_dispatch="2*n_jobs")
    yield from parallel(
        delayed(analyse_one)(index, path, **kwargs) for index, path in enumerate(paths)
    )


def _json_value(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class ReportWriter:
    """Stream records to ``report.csv`` and ``report.json`` (and optionally stdout).

    Use as a context manager; each :meth:`write` appends one record to
    both files at once, so nothing but the current record is held.
    """

    def __init__(self, output_dir, columns, *, json_stream=None):
        self.csv_path = os.path.join(output_dir, "report.csv")
        self.json_path = os.path.join(output_dir, "report.json")
        self.columns = columns
        self.json_stream = json_stream
        self.n_written = 0

    def __enter__(self):
        self._csv = open(self.csv_path, "w", newline="", encoding="utf-8")
        self._writer = csv.DictWriter(
            self._csv, fieldnames=self.columns, extrasaction="ignore"
        )
        self._writer.writeheader()
        self._json = open(self.json_path, "w", encoding="utf-8")
        self._streams = [self._json] + ([self.json_stream] if self.json_stream else [])
        for stream in self._streams:
            stream.write("[")
        return self

    def write(self, record):
        self._writer.writerow(record)
        self._csv.flush()
        data = {key: _json_value(record[key]) for key in self.columns}
        text = json.dumps(data, ensure_ascii=False)
        for stream in self._streams:
            stream.write(("," if self.n_written else "") + "\n  " + text)
            stream.flush()
        self.n_written += 1

    def __exit__(self, *exc_info):
        for stream in self._streams:
            stream.write("\n]\n" if self.n_written else "]\n")
            stream.flush()
        self._csv.close()
        self._json.close()
        return False


_TABLE = "{path:<36} {size:>9} {mode:<10} {up:>6} {q:>5} {jp:>6} {sec:>6}  {note}"


def table_header():
    """Header line of the terminal table."""
    return _TABLE.format(
        path="path",
        size="size",
        mode="mode",
        up="P(up)",
        q="JPEG",
        jp="P(jpg)",
        sec="time",
        note="",
    ).rstrip()


def table_row(record):
    """One line of the terminal table for ``record``."""

    def num(value, fmt):
        return "-" if value is None else format(value, fmt)

    path = record["path"]
    if len(path) > 36:
        path = "..." + path[-33:]
    size = "" if record["height"] is None else f"{record['height']}x{record['width']}"
    note = record["error"]
    if len(note) > 90:
        note = note[:87] + "..."
    return _TABLE.format(
        path=path,
        size=size,
        mode=record["mode"] or "",
        up=num(record["p_upscaled"], ".2f"),
        q=num(record["jpeg_quality"], ".0f"),
        jp=num(record["p_compressed"], ".2f"),
        sec=f"{record['seconds']:.2f}s",
        note=note,
    ).rstrip()
