"""Audit a folder of images for a JPEG history."""

import csv
import math
import os
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..utils._io import (
    AUDITED_IMAGE_EXTENSIONS,
    IMAGE_EXTENSIONS,
    _check_folder,
    find_image_files,
    lossy_codec,
)
from ..utils._parallel import check_n_jobs
from ._jpeg_net_view import net_view
from ._jpeg_verdict import (
    VERDICT_COLOURS,
    _called_compressed,
    _quality_spread,
    combine_verdicts,
)
from ._plot._plotting import quality_shown

__all__ = ["JPEGAuditReport", "jpeg_audit"]

CSV_FIELDS = (
    "path",
    "height",
    "width",
    "quality",
    "p_compressed",
    "compressed",
    "quality_iqr",
    "flagged_share",
    "evidence",
    "grid_phase",
    "phase_z",
    "lattice_share",
    "lattice_share_null",
    "table_quality",
    "libjpeg_like",
    "double_compression",
    "primary_quality",
    "resized_grid",
    "resize_factor",
    "grid_period",
    "native_size",
    "resized_z",
    "resampling_z",
    "resized_visible",
    "verdict",
    "confidence",
    "disagreement",
    "evidence_reason",
    "error",
)
@dataclass
class JPEGAuditReport:
    """What :func:`jpeg_audit` found, and where it wrote it.

    Parameters
    ----------
    rows : list of dict
        One dict per image file, in path order, with the keys of the CSV
        (see :func:`jpeg_audit`): ``path`` (relative to the folder),
        ``height``, ``width``, the net's ``quality``, ``p_compressed``,
        ``compressed`` and ``quality_iqr``, the pixels' evidence
        (``evidence``, ``grid_phase``, ``phase_z``, ``lattice_share``,
        ``lattice_share_null``, ``table_quality``, ``libjpeg_like``,
        ``double_compression``, ``primary_quality``, ``evidence_reason``),
        the combined ``verdict``, its ``confidence``, ``disagreement`` and
        ``error`` (empty, or why the file could not be read; the other
        values are then None). Rows of older reports, with fewer keys, are
        shown too.
    n_failed : int
        Number of files that could not be audited.
    output_dir : str or None
        Folder of the report files, None if nothing was written.
    csv_path : str or None
        The CSV of ``rows``.
    histogram_path : str or None
        The histogram figure, None if none was drawn.
    map_paths : list of str
        The saved map figures.

    Attributes
    ----------
    n_images : int
        Number of image files found (``len(rows)``).

    See Also
    --------
    jpeg_audit : Audit a folder and return this report.

    Examples
    --------
    >>> from skforensics.inspection import JPEGAuditReport
    >>> report = JPEGAuditReport(rows=[
    ...     {"path": "a.png", "quality": 92.5, "p_compressed": 0.97,
    ...      "compressed": True, "table_quality": 92,
    ...      "verdict": "compressed", "confidence": "high", "error": ""}])
    >>> print(report)
    path                                     quality P(jpeg) table verdict            confidence
    a.png                                       92.5    0.97    92 compressed         high
    1 images, 1 ever JPEG-compressed, 0 failed
    """

    rows: list = field(default_factory=list)
    n_failed: int = 0
    output_dir: str = None
    csv_path: str = None
    histogram_path: str = None
    map_paths: list = field(default_factory=list)

    @property
    def n_images(self):
        """Number of image files found."""
        return len(self.rows)

    def __str__(self):
        lines = [
            (
                f"{'path':40s} {'quality':>7s} {'P(jpeg)':>7s} {'table':>5s} "
                f"{'verdict':18s} confidence"
            )
        ]
        for row in self.rows:
            if row["error"]:
                lines.append(f"{row['path']:40s} failed: {row['error']}")
                continue
            lines.append(
                f"{row['path']:40s} {_text(row['quality'], 7, 1)} "
                f"{_text(row['p_compressed'], 7, 2)} "
                f"{_text(row.get('table_quality'), 5, 0)} "
                f"{row.get('verdict') or '':18s} {row.get('confidence') or ''}".rstrip()
            )
        n_jpeg = sum(1 for r in self.rows if _called_compressed(r))
        lines.append(
            f"{self.n_images} images, {n_jpeg} ever JPEG-compressed, "
            f"{self.n_failed} failed"
            + (f"; report in {self.output_dir}" if self.output_dir else "")
        )
        return "\n".join(lines)


def _text(value, width, digits):
    """A number right-aligned in ``width``, blank for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return " " * width
    return f"{value:{width}.{digits}f}"


def _evidence_columns(path, image):
    """The evidence's CSV columns for one image (read once, as ``image``)
    and :func:`jpeg_evidence`'s Bunch (None where it refused the image)."""
    from PIL import Image

    from ._jpeg_evidence import jpeg_evidence

    mode = codec = None
    if path is not None:
        try:
            with Image.open(path) as img:
                mode, codec = img.mode, lossy_codec(img)
        except (OSError, SyntaxError, ValueError):
            pass
    try:
        if mode == "CMYK":
            jpeg_evidence(path)  # raises, with the reason
        found = jpeg_evidence(image)
    except ValueError as exc:
        return {
            "evidence": "unknown", "evidence_reason": str(exc), "lossy_codec": codec
        }, None
    phase, native = found.grid_phase, found.native_size
    return {
        "lossy_codec": codec,
        "evidence": found.verdict,
        "grid_phase": "" if phase is None else f"{phase[0]},{phase[1]}",
        "phase_z": _rounded(found.phase_z, 1),
        "lattice_share": _rounded(found.lattice_share, 3),
        "lattice_share_null": _rounded(found.lattice_share_null, 3),
        "table_quality": found.table_quality,
        "libjpeg_like": found.libjpeg_like,
        "double_compression": found.double_compression,
        "primary_quality": found.primary_quality,
        "resized_grid": found.resized_grid,
        "resize_factor": _rounded(found.resize_factor, 3),
        "grid_period": _rounded(found.grid_period, 2),
        "native_size": "" if native is None else f"{native[0]}x{native[1]}",
        "resized_z": _rounded(found.resized_z, 1),
        "resampling_z": _rounded(found.resampling_z, 1),
        "resized_visible": found.resized_visible,
        "evidence_reason": found.reason,
    }, found


def _without_alpha(image):
    """The colour or grey channels of an image as read (alpha dropped)."""
    if image.ndim == 3 and image.shape[2] in (2, 4):
        return image[..., :-1] if image.shape[2] == 4 else image[..., 0]
    return image


def audit_image(
    estimator, image, *, raw=None, path=None, evidence=True, validated=False
):
    """The JPEG audit of one image: the net's answers, the evidence, the verdict.

    The JPEG step of the analysis pipeline (``skforensics analyse`` and
    :func:`jpeg_audit`): :func:`jpeg_evidence` reads the pixels as the
    file holds them (``raw``, else ``image``); one pass of
    ``estimator.predict_maps`` gives the net's quality, P(ever compressed)
    and maps, of ``image`` read at its native size where the evidence
    undid an enlargement (``_jpeg_net_view``);
    :func:`combine_verdicts` gives the verdict, its confidence and any
    disagreement (with ``evidence=False``, from the net alone, as when the
    evidence cannot tell).

    Parameters
    ----------
    estimator : PixelwiseJPEGRegressor
        A fitted estimator.
    image : ndarray of shape (height, width) or (height, width, n_channels)
        The image, validated.
    raw : ndarray, default=None
        The same image as read from its file, in the file's dtype.
    path : str, default=None
        The file (CMYK JPEGs are refused by the evidence, with the reason).
    evidence : bool, default=True
        Read the evidence from the pixels.
    validated : bool, default=False
        ``image`` comes from the analysis pipeline's record entry, checked
        there: the net does not read its pixels to check them again.

    Returns
    -------
    row : dict
        The audit's columns (see :func:`jpeg_audit`'s Notes) but ``path``,
        ``height``, ``width`` and ``error``.
    quality_map, flag_map : ndarray of shape (height, width)
        The net's maps.
    """
    from ..feature._rendered import looks_rendered

    # First, so that their arrays are gone before the maps are made.
    pixels = image if raw is None else _without_alpha(raw)
    rendered = looks_rendered(pixels)
    columns, found = _evidence_columns(path, pixels) if evidence else ({}, None)
    del pixels
    # An enlargement the evidence undid: the net reads the native pixels.
    net_image, to_image, descaled = net_view(
        image, found, int(estimator.module_.receptive_field)
    )
    if validated:
        quality_maps, flag_maps, summary = estimator._maps(
            [net_image], True, validated=True
        )
    else:
        quality_maps, flag_maps, summary = estimator.predict_maps(
            [net_image], return_summary=True
        )
    quality_map, flag_map = quality_maps[0], flag_maps[0]
    if to_image is not None:
        quality_map, flag_map = to_image(quality_map), to_image(flag_map)
    quality = float(summary.quality[0])
    p_compressed = float(summary.proba[0, -1])
    row = {
        "quality": None if math.isnan(quality) else round(quality, 2),
        "p_compressed": round(p_compressed, 4),
        "quality_iqr": _quality_spread(quality_map, flag_map),
        "flagged_share": round(float(np.mean(flag_map > 0.5)), 4),
        "disagreement": "",
        "rendered": rendered,
        "descaled": descaled,
    }
    row["compressed"] = row["p_compressed"] > 0.5
    if evidence:
        row.update(columns)
    else:
        row.update(evidence="unknown", table_quality=None, libjpeg_like=None)
        row["phase_z"] = None
    row["verdict"], row["confidence"], row["disagreement"] = combine_verdicts(
        {**row, "quality": quality}
    )
    return row, quality_map, flag_map


def _rounded(value, digits):
    return None if value is None or math.isnan(value) else round(float(value), digits)


def _audit_row(record, folder, evidence):
    """The audit's CSV row of one record of the analysis pipeline."""
    row = dict.fromkeys(CSV_FIELDS)
    row.update(
        {key: record.get(key) for key in CSV_FIELDS if key in record},
        path=os.path.relpath(record["path"], folder),
        quality=record.get("net_quality"),
        error=record["error"],
        disagreement="",
    )
    if evidence and not record["error"]:
        row.update(
            verdict=record["jpeg_verdict"],
            confidence=record["jpeg_confidence"],
            disagreement=record["jpeg_disagreement"],
        )
    elif not evidence:
        for key in CSV_FIELDS[CSV_FIELDS.index("evidence") :]:
            if key not in ("error", "disagreement"):
                row[key] = None
    return row


def _title(row):
    """The terminal line of a row: the quality only where analyse shows it
    (not beside "never compressed" or "no JPEG trace found")."""
    quality = quality_shown(row["quality"], row.get("verdict"), row["p_compressed"])
    words = f"P(ever JPEG) {row['p_compressed']:.2f}"
    if quality is not None:
        words = f"quality {quality:.1f}, {words}"
    if row.get("verdict"):
        words += f"; {row['verdict']} ({row['confidence']})"
    return words


def _save_histogram(path, rows):
    from matplotlib.figure import Figure

    ok = [r for r in rows if not r["error"]]
    fig = Figure(figsize=(14, 4), layout="constrained")
    left, middle, right = fig.subplots(1, 3)
    left.hist([r["p_compressed"] for r in ok], bins=np.linspace(0, 1, 21))
    left.set_xlabel("P(ever JPEG-compressed), the net")
    left.set_ylabel("images")
    called = [r for r in ok if _called_compressed(r)]
    bins = np.arange(0, 102, 2)
    qualities = [r["quality"] for r in called if r["quality"] is not None]
    tables = [r["table_quality"] for r in called if r.get("table_quality")]
    middle.hist(qualities, bins=bins, alpha=0.7, label="the net's quality")
    if tables:
        middle.hist(tables, bins=bins, alpha=0.7, label="the table's quality")
        middle.legend(loc="upper left")
    if not called:
        middle.text(
            0.5,
            0.5,
            "no image called compressed",
            ha="center",
            transform=middle.transAxes,
        )
    middle.set_xlabel("JPEG quality (images called compressed)")
    middle.set_ylabel("images")
    verdicts = list(VERDICT_COLOURS)
    counts = [sum(1 for r in ok if r.get("verdict") == v) for v in verdicts]
    right.barh(range(len(verdicts)), counts, color=list(VERDICT_COLOURS.values()))
    right.set_yticks(range(len(verdicts)), verdicts)
    right.invert_yaxis()
    right.set_xlabel("images")
    n_disagree = sum(1 for r in ok if r.get("disagreement"))
    right.set_title(f"verdicts ({n_disagree} where net and evidence disagree)")
    fig.suptitle(f"JPEG audit: {len(ok)} images, {len(called)} called compressed")
    fig.savefig(path, dpi=80)


def _check_matplotlib(save_maps, save_histogram):
    """Fail before the first image if the figures asked for cannot be drawn."""
    if not (save_maps or save_histogram):
        return
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "jpeg_audit draws its maps and histogram with matplotlib, which is "
            'not installed: pip install "skforensics[torch]" (or matplotlib), '
            "or pass save_maps=False, save_histogram=False."
        ) from exc


def jpeg_audit(
    folder,
    *,
    estimator=None,
    output_dir=None,
    save_maps=True,
    save_histogram=True,
    progress=True,
    evidence=True,
    n_jobs=None,
):
    """Estimate the JPEG history of every image in a folder.

    For each image file under ``folder`` (searched recursively), estimate
    the JPEG quality factor it was ever compressed with and the probability
    that it ever was, with a pixelwise JPEG estimator; beside it, read the
    classical evidence from the pixels (:func:`jpeg_evidence`: the 8x8
    grid, the quantisation steps, the table's quality, an earlier
    compression) and give one verdict that combines the two, with a
    confidence, saying where they disagree. Write the results to a CSV file
    and (optionally) a histogram of them and the maps of every image, as
    PNG figures. Files that cannot be read are reported, and the audit goes
    on. This is the dataset audit of Uchida et al. (their Table 2), which
    found JPEG histories in datasets of "lossless" images.

    Read more in the :ref:`User Guide <pixelwise_jpeg>`.

    Parameters
    ----------
    folder : str or path-like
        Folder of images. Files with an image suffix (``.png``, ``.jpg``,
        ``.tif``, ``.bmp``, ``.webp``, ...) are audited; other files are
        ignored.

    estimator : PixelwiseJPEGRegressor, default=None
        A fitted estimator. None loads the shipped weights with
        :func:`~skforensics.models.load_pretrained_jpeg` (an error if they
        are not installed).

    output_dir : str or path-like, default=None
        Where to write ``jpeg_audit.csv``, ``histogram.png`` and the
        ``maps/`` folder; created if needed. None means the sibling folder
        ``<folder>-jpeg-audit``, never the working directory. It is skipped
        if it lies inside ``folder``.

    save_maps : bool, default=True
        Save one figure per image (the image, its quality-factor map, its
        flag map and the quality histogram, as
        :class:`~skforensics.inspection.JPEGMapDisplay` draws them) as
        ``maps/<index>_<file name>.jpeg.png``, as ``skforensics analyse``
        names them. Needs matplotlib.

    save_histogram : bool, default=True
        Save ``histogram.png``: the histogram of the probability of a JPEG
        history, those of the net's and the table's quality over the images
        called compressed, and the count of each verdict. Needs matplotlib;
        with ``save_maps=False`` and ``save_histogram=False`` the audit
        writes only the CSV and does not import matplotlib.

    progress : bool, default=True
        Show a progress bar (tqdm, on stderr) and print one line per image.

    evidence : bool, default=True
        Read the evidence from the pixels and combine the verdicts; False
        leaves those columns empty (the net's answers only, faster).

    n_jobs : int, default=None
        Files audited in parallel through joblib (each worker gets a copy of
        the estimator); None means one process unless a
        :func:`joblib.parallel_backend` context says otherwise, -1 all
        cores. The rows are the same, in the same order.

    Returns
    -------
    report : JPEGAuditReport
        The rows (one per file), ``n_failed`` and the paths written.

    Raises
    ------
    ImportError
        If figures are asked for and matplotlib is not installed (raised
        before the first image is read).
    FileNotFoundError
        If ``folder`` does not exist.
    NotADirectoryError
        If ``folder`` is a file.
    ValueError
        If ``folder`` holds no image file, or ``n_jobs`` is 0.
    TypeError
        If ``estimator`` has no ``predict_maps``.
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.

    See Also
    --------
    skforensics.models.PixelwiseJPEGRegressor : The estimator.
    jpeg_evidence : The evidence read from the pixels.

    Notes
    -----
    The command ``skforensics jpeg-audit FOLDER`` runs this function, which
    is the analysis pipeline of ``skforensics analyse`` with its JPEG step
    alone: ``analyse --models jpeg`` gives the same verdicts.
    Images are read with :func:`~skforensics.utils.read_image` one at a time
    and their maps computed in tiles, so memory stays bounded. matplotlib is
    imported only to draw the figures, without touching pyplot's state, and
    is checked for before the first image.

    The columns of the CSV: ``path``, ``height``, ``width``; the net's
    ``quality`` (pooled as the estimator's ``predict``), ``p_compressed``
    (its ``predict_proba``), ``compressed`` (``p_compressed > 0.5``) and
    ``quality_iqr``, the interquartile range of its quality map over the
    pixels its flag map calls compressed (empty with fewer than 64: how much
    the pixels agree on the quality) and ``flagged_share``, the share of its
    pixels the flag map calls compressed (the net reads the pixels with an
    enlargement undone where the evidence undid one; its maps are brought
    back); the evidence's verdict (``evidence``), ``grid_phase`` ("dy,dx"),
    ``phase_z``, ``lattice_share``, ``lattice_share_null``, ``table_quality``,
    ``libjpeg_like``, ``double_compression``, ``primary_quality``, the
    search for a resized grid (``resized_grid``, ``resize_factor``,
    ``grid_period``, ``native_size`` ("rowsxcolumns" where an enlargement
    was undone), ``resized_z``, ``resampling_z``, ``resized_visible``)
    and ``evidence_reason`` (see :func:`jpeg_evidence`); the combined
    ``verdict``, its ``confidence``, ``disagreement`` and ``error``.

    The verdict and its confidence, the net being sure when
    ``p_compressed`` is 0.9 or more, or 0.1 or less:

    - the evidence finds a lattice: ``"compressed"`` (a lattice does not
      arise by chance); confidence ``"high"`` if the net agrees, its
      quality is within 10 of the table's (when the table is libjpeg's)
      and ``quality_iqr`` is 15 or less, ``"medium"`` otherwise; a
      disagreement is written when the net says never compressed or the
      qualities differ by more than 10. A lattice found once an
      enlargement is undone (``native_size``) gives ``"compressed, then
      resized"`` by the same rule;
    - the evidence rules a lattice out: ``"never compressed"`` if the net
      agrees (confidence ``"high"`` when it is sure, else ``"medium"``);
      ``"unknown"``, confidence ``"low"``, with a disagreement, if the net
      says compressed or its flag map is mixed (``flagged_share`` of 0.2 or
      more; an image resized or filtered after compression keeps some of
      the net's cues and loses the lattice; or the net is wrong);
    - the evidence cannot tell (small, flat or blurred images): the net's
      verdict if it is sure, else ``"unknown"``; confidence ``"low"``.

    Where no lattice is found and the evidence looked for a resized grid
    (the default), the last two cases become: a resized grid found,
    ``"compressed, then resized"`` (``"medium"`` when the net agrees, else
    ``"low"`` with the disagreement); none, ``"never compressed"`` only
    where the lattice test could see, no trace of resampling shows
    (``resampling_z`` under 12) and either no periodicity stands out at
    all (``resampling_z`` under 5: nothing says the image was resized) or
    a resized grid would have shown (``resized_visible``: a quality-75 JPEG
    of the same pixels resized by 0.7 and by 0.8 shows its grid to the
    search); its confidence is ``"medium"`` when the net is sure and a
    resized grid would have shown, else ``"low"``, never ``"high"`` (a JPEG
    at quality 90 or finer, downscaled with an antialiasing filter, can
    keep no grid). ``"no JPEG trace found"`` (``"low"``) where the image
    was resampled, a faint periodicity shows where a resized grid could
    not, or the lattice test could not see; ``"unknown"`` where the net
    says compressed or its flag map is mixed (the net's verdict, ``"low"``,
    where it is sure and the lattice test could not see, or read the pixels
    with an enlargement undone: ``"compressed, then resized"``). A file that a
    lossy WebP, AVIF or HEIF codec wrote keeps only a lattice's verdict: its
    own blocks mimic a resized grid ("unknown"), and can hide a JPEG's
    traces ("no JPEG trace found" for "never compressed"); so do pixels
    that look rendered (text, charts, flat colour), which the net, trained
    on photographs, misreads. Files Pillow cannot decode (HEIC, JPEG XL)
    are listed, each with its error.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skforensics.inspection import jpeg_audit
    >>> from skforensics.models import PixelwiseJPEGRegressor
    >>> folder = os.path.join(tempfile.mkdtemp(), "photos")
    >>> os.mkdir(folder)
    >>> Image.fromarray(np.full((40, 40, 3), 128, np.uint8)).save(
    ...     os.path.join(folder, "a.png"))
    >>> est = PixelwiseJPEGRegressor(module__n_filters=4, verbose=0).initialize()
    >>> report = jpeg_audit(folder, estimator=est, save_maps=False, progress=False)
    >>> report.n_images, report.n_failed, os.path.basename(report.output_dir)
    (1, 0, 'photos-jpeg-audit')
    >>> report.rows[0]["evidence"]  # a single colour: no evidence either way
    'unknown'
    """
    check_n_jobs(n_jobs, "jpeg_audit")
    folder = _check_folder(folder, "Folder", "; jpeg_audit takes a folder of images.")
    if output_dir is None:
        output_dir = os.path.abspath(folder).rstrip(os.sep) + "-jpeg-audit"
    output_dir = os.path.abspath(os.fspath(output_dir))
    paths = [
        os.path.join(folder, relative)
        for relative in find_image_files(
            folder, AUDITED_IMAGE_EXTENSIONS, exclude=output_dir
        )
    ]
    if not paths:
        raise ValueError(
            f"No image files in '{folder}' (searched recursively for "
            f"{', '.join(IMAGE_EXTENSIONS)})."
        )
    _check_matplotlib(save_maps, save_histogram)
    if estimator is None:
        from ..models import load_pretrained_jpeg

        estimator = load_pretrained_jpeg()
    if not hasattr(estimator, "predict_maps"):
        raise TypeError(
            "jpeg_audit needs a pixelwise JPEG estimator with predict_maps (a "
            f"fitted PixelwiseJPEGRegressor); got {type(estimator).__name__}."
        )
    check_is_fitted(estimator)  # not one failed row per file

    from joblib import effective_n_jobs
    from tqdm.auto import tqdm

    from ._analyse import JPEGStep, iter_records

    os.makedirs(output_dir, exist_ok=True)
    estimator._pool()  # a bad ``pooling`` fails before the first file
    maps_dir = os.path.join(output_dir, "maps") if save_maps else None
    if maps_dir is not None:
        os.makedirs(maps_dir, exist_ok=True)
    report = JPEGAuditReport(output_dir=output_dir)
    report.csv_path = os.path.join(output_dir, "jpeg_audit.csv")
    bar = tqdm(total=len(paths), desc="JPEG audit", unit="image", disable=not progress)
    # The analysis pipeline with the JPEG step alone; rows streamed to the CSV.
    records = iter_records(
        enumerate(paths),
        steps=[JPEGStep(estimator, evidence=evidence)],
        maps_dir=maps_dir,
        n_jobs=effective_n_jobs(n_jobs),
    )
    with open(report.csv_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for record in records:
            row = _audit_row(record, folder, evidence)
            report.rows.append(row)
            writer.writerow(row)
            f.flush()
            bar.update()
            if row["error"]:
                report.n_failed += 1
                if progress:
                    bar.write(f"{row['path']}: failed: {row['error']}")
                continue
            map_path = os.path.join(maps_dir or "", record.get("map_jpeg") or "")
            if maps_dir is not None and os.path.isfile(map_path):
                report.map_paths.append(map_path)
            if progress:
                bar.write(f"{row['path']}: {_title(row)}")
    bar.close()
    if save_histogram:
        report.histogram_path = os.path.join(output_dir, "histogram.png")
        _save_histogram(report.histogram_path, report.rows)
    if progress:
        print(
            f"{report.n_images} images, "
            f"{sum(1 for r in report.rows if _called_compressed(r))} ever "
            f"JPEG-compressed, {report.n_failed} failed; report in {output_dir}"
        )
    return report
