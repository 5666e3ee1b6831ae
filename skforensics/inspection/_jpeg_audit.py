"""Audit a folder of images for a JPEG history."""

import csv
import os
from dataclasses import dataclass, field

import numpy as np

from ..utils._io import IMAGE_EXTENSIONS, find_image_files

__all__ = ["JPEGAuditReport", "jpeg_audit"]

CSV_FIELDS = (
    "path",
    "height",
    "width",
    "quality",
    "p_compressed",
    "compressed",
    "error",
)


@dataclass
class JPEGAuditReport:
    """What :func:`jpeg_audit` found, and where it wrote it.

    Parameters
    ----------
    rows : list of dict
        One dict per image file, in path order, with the keys ``path``
        (relative to the folder), ``height``, ``width``, ``quality`` (the
        estimated JPEG quality factor, 0-100), ``p_compressed`` (the
        estimated probability that the image was ever JPEG-compressed),
        ``compressed`` (``p_compressed > 0.5``) and ``error`` (empty, or why
        the file could not be read; the numbers are then None).
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
    ...      "compressed": True, "error": ""}])
    >>> print(report)
    path                                     quality P(jpeg)
    a.png                                       92.5    0.97
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
        lines = [f"{'path':40s} {'quality':>7s} {'P(jpeg)':>7s}"]
        for row in self.rows:
            if row["error"]:
                lines.append(f"{row['path']:40s} failed: {row['error']}")
            else:
                quality, p = row["quality"], row["p_compressed"]
                lines.append(f"{row['path']:40s} {quality:7.1f} {p:7.2f}")
        n_jpeg = sum(1 for r in self.rows if r["compressed"])
        lines.append(
            f"{self.n_images} images, {n_jpeg} ever JPEG-compressed, "
            f"{self.n_failed} failed"
            + (f"; report in {self.output_dir}" if self.output_dir else "")
        )
        return "\n".join(lines)


def _save_map_figure(path, image, quality_map, flag_map, title):
    from matplotlib.figure import Figure

    # Show at most ~800 px per side: maps of huge images stay light.
    step = max(1, int(np.ceil(max(image.shape[:2]) / 800)))
    fig = Figure(figsize=(12, 4), layout="constrained")
    axes = fig.subplots(1, 3)
    shown = image[::step, ::step]
    axes[0].imshow(shown, cmap="gray" if shown.ndim == 2 else None, vmin=0, vmax=1)
    axes[0].set_title("image")
    im = axes[1].imshow(quality_map[::step, ::step], cmap="viridis", vmin=0, vmax=100)
    axes[1].set_title("estimated JPEG quality")
    fig.colorbar(im, ax=axes[1], shrink=0.8)
    im = axes[2].imshow(flag_map[::step, ::step], cmap="magma", vmin=0, vmax=1)
    axes[2].set_title("P(ever JPEG-compressed)")
    fig.colorbar(im, ax=axes[2], shrink=0.8)
    for ax in axes:
        ax.set_axis_off()
    fig.suptitle(title)
    fig.savefig(path, dpi=80)


def _save_histogram(path, rows):
    from matplotlib.figure import Figure

    ok = [r for r in rows if not r["error"]]
    fig = Figure(figsize=(10, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.hist([r["p_compressed"] for r in ok], bins=np.linspace(0, 1, 21))
    left.set_xlabel("P(ever JPEG-compressed)")
    left.set_ylabel("images")
    qualities = [r["quality"] for r in ok if r["compressed"]]
    right.hist(qualities, bins=np.arange(0, 102, 2))
    if not qualities:
        right.text(
            0.5,
            0.5,
            "no image called compressed",
            ha="center",
            transform=right.transAxes,
        )
    right.set_xlabel("estimated JPEG quality (images called compressed)")
    right.set_ylabel("images")
    fig.suptitle(f"JPEG audit: {len(ok)} images, {len(qualities)} called compressed")
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
):
    """Estimate the JPEG history of every image in a folder.

    For each image file under ``folder`` (searched recursively), estimate
    the JPEG quality factor it was ever compressed with and the probability
    that it ever was, with a pixelwise JPEG estimator; write the results to
    a CSV file and (optionally) a histogram of them and the maps of every
    image, as PNG figures. Files that cannot be read are reported, and the
    audit goes on. This is the dataset audit of Uchida et al. (their
    Table 2), which found JPEG histories in datasets of "lossless" images.

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
        Save one figure per image (the image, its quality-factor map and its
        flag map) as ``maps/<relative path>.png``. Needs matplotlib.

    save_histogram : bool, default=True
        Save ``histogram.png``, the histograms of the estimated quality and
        of the probability of a JPEG history. Needs matplotlib; with
        ``save_maps=False`` and ``save_histogram=False`` the audit writes
        only the CSV and does not import matplotlib.

    progress : bool, default=True
        Show a progress bar (tqdm, on stderr) and print one line per image.

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
        If ``folder`` holds no image file.

    See Also
    --------
    skforensics.models.PixelwiseJPEGRegressor : The estimator.

    Notes
    -----
    The command ``skforensics jpeg-audit FOLDER`` runs this function.
    Images are read with :func:`~skforensics.utils.read_image` one at a time
    and their maps computed in tiles, so memory stays bounded. matplotlib is
    imported only to draw the figures, without touching pyplot's state, and
    is checked for before the first image.

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
    """
    folder = os.fspath(folder)
    if not os.path.exists(folder):
        raise FileNotFoundError(f"Folder not found: '{folder}'.")
    if not os.path.isdir(folder):
        raise NotADirectoryError(
            f"'{folder}' is a file; jpeg_audit takes a folder of images."
        )
    if output_dir is None:
        output_dir = os.path.abspath(folder).rstrip(os.sep) + "-jpeg-audit"
    output_dir = os.path.abspath(os.fspath(output_dir))
    paths = [
        os.path.join(folder, relative)
        for relative in find_image_files(folder, exclude=output_dir)
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

    from tqdm.auto import tqdm

    from ..utils import read_image

    os.makedirs(output_dir, exist_ok=True)
    estimator._pool()  # a bad ``pooling`` fails before the first file
    report = JPEGAuditReport(output_dir=output_dir)
    bar = tqdm(paths, desc="JPEG audit", unit="image", disable=not progress)
    for path in bar:
        relpath = os.path.relpath(path, folder)
        row = dict.fromkeys(CSV_FIELDS)
        row.update(path=relpath, error="")
        try:
            image = read_image(path)
            row["height"], row["width"] = image.shape[:2]
            quality_maps, flag_maps = estimator.predict_maps([image])
            quality_map, flag_map = quality_maps[0], flag_maps[0]
        except (OSError, ValueError, TypeError) as exc:
            row["error"] = str(exc).replace("\n", " ")
            report.n_failed += 1
            report.rows.append(row)
            if progress:
                bar.write(f"{relpath}: failed: {row['error']}")
            continue
        # The estimator's own image-level rule, as predict's.
        quality, p_compressed = estimator._summary(quality_map, flag_map)
        row["quality"] = round(quality, 2)
        row["p_compressed"] = round(p_compressed, 4)
        row["compressed"] = row["p_compressed"] > 0.5
        report.rows.append(row)
        if progress:
            bar.write(
                f"{relpath}: quality {row['quality']:.1f}, "
                f"P(ever JPEG) {row['p_compressed']:.2f}"
            )
        if save_maps:
            from ..utils import check_images

            map_path = os.path.join(output_dir, "maps", relpath + ".png")
            os.makedirs(os.path.dirname(map_path), exist_ok=True)
            shown = check_images([image])[0]
            if shown.ndim == 3 and shown.shape[2] == 1:
                shown = shown[..., 0]
            _save_map_figure(
                map_path,
                np.clip(shown, 0, 1),
                quality_map,
                flag_map,
                f"{relpath}: quality {row['quality']:.1f}, "
                f"P(ever JPEG) {row['p_compressed']:.2f}",
            )
            report.map_paths.append(map_path)
    bar.close()

    report.csv_path = os.path.join(output_dir, "jpeg_audit.csv")
    with open(report.csv_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(report.rows)
    if save_histogram:
        report.histogram_path = os.path.join(output_dir, "histogram.png")
        _save_histogram(report.histogram_path, report.rows)
    if progress:
        print(
            f"{report.n_images} images, "
            f"{sum(1 for r in report.rows if r['compressed'])} ever JPEG-compressed, "
            f"{report.n_failed} failed; report in {output_dir}"
        )
    return report
