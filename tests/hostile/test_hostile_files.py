"""Every entry point over the hostile corpus (issue 25, part 2).

The corpus (``_make_corpus.py``, made once per session from numbers) holds
valid images of every kind Pillow reads, broken ones (truncated, bit
flips, zero bytes, text named like an image), entries that are not
regular files (folders, symbolic link loops, dangling links, unreadable
files) and videos (H.264 in MP4 and MKV, VP9 in WebM, 10-bit HEVC, 4:4:4,
rotation metadata, variable frame rate; audio only, truncated, damaged).

Each entry point must answer each file with its documented result or a
one-line error of a documented type that names the file; nothing else.
Failures are collected over the whole corpus and reported together.
"""

import csv
import os
import warnings

import numpy as np
import pytest

from skforensics.utils import LazyImages, read_image

OK, ERROR, EITHER = "ok", "error", "either"


def _named(exc, path):
    text = str(exc)
    return os.path.basename(path) in text and "\n" not in text.strip()


def _call(func):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return func(), None
        except Exception as exc:  # noqa: BLE001 - judged by the caller
            return None, exc


def _judge(name, path, expect, errors, result, exc, check_ok):
    """A line saying what is wrong, or None."""
    if exc is None:
        if expect == ERROR:
            return f"{name}: answered instead of refusing"
        problem = check_ok(result)
        return f"{name}: {problem}" if problem else None
    if expect == OK:
        return f"{name}: {type(exc).__name__}: {exc}"
    if not isinstance(exc, errors):
        return f"{name}: unexpected {type(exc).__name__}: {exc}"
    if not _named(exc, path):
        return f"{name}: error does not name the file in one line: {exc!r}"
    return None


def _report(failures):
    if failures:
        pytest.fail(f"{len(failures)} failures:\n" + "\n".join(failures))


def test_corpus_has_at_least_60_distinct_files(corpus):
    root, entries = corpus
    contents = set()
    for entry in entries:
        path = entry.path(root)
        if os.path.isfile(path) and os.access(path, os.R_OK):
            with open(path, "rb") as f:
                contents.add(f.read())
    assert len(entries) >= 60
    assert len(contents) >= 60
    assert len({e.name for e in entries}) == len(entries)


def test_read_image_and_lazy_images(corpus):
    root, entries = corpus
    failures = []
    for entry in entries:
        path = entry.path(root)

        def check_ok(image, entry=entry):
            if not isinstance(image, np.ndarray):
                return f"returned {type(image).__name__}"
            if entry.shape is not None and image.shape != entry.shape:
                return f"shape {image.shape}, expected {entry.shape}"
            if entry.dtype is not None and image.dtype != entry.dtype:
                return f"dtype {image.dtype}, expected {entry.dtype}"
            return None

        image, exc = _call(lambda: read_image(path))
        line = _judge("read_image", path, entry.expect, entry.errors, image, exc, check_ok)
        lazy, lazy_exc = _call(lambda: LazyImages([path])[0])
        if line is None:
            line = _judge("LazyImages", path, entry.expect, entry.errors, lazy,
                          lazy_exc, check_ok)
        if line is None and (exc is None) != (lazy_exc is None):
            line = "LazyImages and read_image disagree"
        if line is None and exc is None and not np.array_equal(image, lazy):
            line = "LazyImages gives other pixels than read_image"
        if line:
            failures.append(f"{entry.name}: {line}")
    _report(failures)


def test_lazy_images_over_the_whole_corpus_with_check_images(corpus):
    # check_images reads a LazyImages collection lazily: every error it
    # raises while reading one file names that file.
    from skforensics.utils import check_images

    root, entries = corpus
    X = LazyImages([e.path(root) for e in entries])
    failures = []
    for i, entry in enumerate(entries):
        path = entry.path(root)
        result, exc = _call(lambda: check_images(X[[i]])[0])
        if exc is None:
            if entry.expect == ERROR:
                failures.append(f"{entry.name}: check_images answered")
            elif not (result.dtype == np.float32 and result.ndim in (2, 3)):
                failures.append(f"{entry.name}: check_images gave {result.dtype}")
        elif not isinstance(exc, (OSError, ValueError)) or not _named(exc, path):
            failures.append(f"{entry.name}: {type(exc).__name__}: {exc}")
        elif entry.expect == OK:
            failures.append(f"{entry.name}: refused a valid image: {exc}")
    _report(failures)


def test_lazy_video_frames(corpus):
    from skforensics.datasets import LazyVideoFrames
    from skforensics.utils._param_validation import InvalidParameterError

    root, entries = corpus
    failures = []
    for entry in entries:
        path = entry.path(root)
        expect = entry.video or EITHER  # an image may open as a 1-frame video

        def frames(path=path):
            video = LazyVideoFrames(path)
            try:
                return len(video), [video[i] for i in range(len(video))]
            finally:
                video.close()

        def check_ok(result, entry=entry):
            n, images = result
            if entry.n_frames is not None and n != entry.n_frames:
                return f"{n} frames, expected {entry.n_frames}"
            for image in images:
                if image.dtype != np.uint8 or image.ndim != 2:
                    return f"frame {image.dtype} {image.shape}"
            if entry.video == OK and images[0].shape != (88, 120):
                return f"frame shape {images[0].shape} (rotation applied?)"
            return None

        result, exc = _call(frames)
        errors = (ValueError, OSError, InvalidParameterError)
        line = _judge("LazyVideoFrames", path, expect, errors, result, exc, check_ok)
        if line:
            failures.append(f"{entry.name}: {line}")
    _report(failures)


@pytest.fixture(scope="module")
def upscale_estimator():
    pytest.importorskip("torch")
    from skforensics.models import pretrained

    return pretrained("upscale-factor")


def _model_sized(entry):
    """Whether a valid image is large enough, and shaped, for every model."""
    shape = entry.shape or (88, 120)
    return min(shape[:2]) >= 79


def test_upscale_verdict(corpus, upscale_estimator):
    from skforensics.inspection import upscale_verdict

    root, entries = corpus
    failures = []
    for entry in entries:
        path = entry.path(root)
        is_video = entry.video is not None
        expect = entry.video if is_video else entry.expect
        if expect == OK and not is_video and not _model_sized(entry):
            continue  # refused for its size: test_upscale_verdict_refusals_name_the_file

        def check_ok(verdict, is_video=is_video):
            if not 0.0 <= verdict.p_upscaled <= 1.0:
                return f"p_upscaled {verdict.p_upscaled}"
            if verdict.kind != ("video" if is_video else "image"):
                return f"kind {verdict.kind}"
            if (verdict.height, verdict.width) != (88, 120):
                return f"size {verdict.height}x{verdict.width}"
            if len(verdict.frame_p_upscaled) != len(verdict.frames):
                return "one P per frame expected"
            return None

        result, exc = _call(
            lambda: upscale_verdict(path, n_frames=2, estimator=upscale_estimator)
        )
        line = _judge("upscale_verdict", path, expect, (OSError, ValueError),
                      result, exc, check_ok)
        if line:
            failures.append(f"{entry.name}: {line}")
    _report(failures)


def test_upscale_verdict_refusals_name_the_file(corpus, upscale_estimator):
    from skforensics.inspection import upscale_verdict

    root, entries = corpus
    small = [e for e in entries if e.expect == OK and not _model_sized(e)]
    assert small
    for entry in small:
        path = entry.path(root)
        with pytest.raises(ValueError) as info:
            upscale_verdict(path, estimator=upscale_estimator)
        assert _named(info.value, path), str(info.value)


def test_jpeg_evidence(corpus):
    from skforensics.inspection import jpeg_evidence

    root, entries = corpus
    failures = []
    for entry in entries:
        path = entry.path(root)
        cmyk = "cmyk" in entry.name or "ycck" in entry.name
        expect = ERROR if cmyk else entry.expect

        def check_ok(evidence):
            if evidence.verdict not in ("compressed", "never compressed", "unknown"):
                return f"verdict {evidence.verdict!r}"
            if not evidence.reason:
                return "no reason"
            return None

        result, exc = _call(lambda: jpeg_evidence(path, double=False))
        line = _judge("jpeg_evidence", path, expect, (OSError, ValueError),
                      result, exc, check_ok)
        if line:
            failures.append(f"{entry.name}: {line}")
    _report(failures)


def test_jpeg_evidence_reads_the_jpeg_corpus_as_compressed(corpus):
    from skforensics.inspection import jpeg_evidence

    root, entries = corpus
    names = ["jpeg/baseline.jpg", "jpeg/progressive.jpg", "jpeg/gray.jpg"]
    names += [f"jpeg/exif_orientation_{k}.jpg" for k in range(2, 9)]
    for name in names:
        evidence = jpeg_evidence(os.path.join(root, name), double=False)
        assert evidence.verdict == "compressed", (name, evidence.reason)
        # Orientation not applied: the grid is where the encoder put it.
        assert tuple(evidence.grid_phase) == (0, 0), name
    assert jpeg_evidence(os.path.join(root, "png/rgb.png")).verdict != "compressed"


@pytest.mark.parametrize(
    "models",
    # Both models cost 40 CPU-s over the corpus (0.6 s per valid image, the
    # JPEG evidence included); the reading, the one row per file and the
    # errors are the same with the upscale model alone (16 CPU-s).
    ["upscale", pytest.param("upscale,jpeg", marks=pytest.mark.slow)],
)
def test_analyse_gives_one_row_per_file_and_keeps_going(corpus, tmp_path, models):
    pytest.importorskip("torch")
    from skforensics.cli import main
    from skforensics.inspection._analyse import expand_inputs

    root, entries = corpus
    out = tmp_path / "out"
    listed, _ = expand_inputs([root])
    argv = ["analyse", root, "-q", "--out", str(out), "--no-maps", "--frames", "2",
            "--models", models]
    assert main(argv) == 0
    with open(out / "report.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    paths = [row["path"] for row in rows]
    assert sorted(paths) == sorted(listed)  # one row each, none twice
    by_name = {os.path.relpath(row["path"], root): row for row in rows}
    failures = []
    for entry in entries:
        row = by_name.get(entry.name)
        if row is None:
            if entry.kind == "image" or entry.kind == "other" and entry.expect == OK:
                if os.path.splitext(entry.name)[1] in (".png", ".jpg", ".tif"):
                    failures.append(f"{entry.name}: no row")
            continue
        answered = row["p_upscaled"] not in ("", None)
        if entry.expect == ERROR and entry.video is None:
            if answered or entry.name not in row["error"]:
                failures.append(f"{entry.name}: {row['error']!r}")
        elif entry.expect == OK and _model_sized(entry):
            jpeg_missing = "jpeg" in models and row["p_compressed"] in ("", None)
            if not answered or row["error"] or jpeg_missing:
                failures.append(f"{entry.name}: not answered: {row['error']!r}")
        elif entry.expect == OK:
            if not row["error"]:
                failures.append(f"{entry.name}: too small, yet no model said so")
        elif not answered and not row["error"]:
            failures.append(f"{entry.name}: silent row")
        if "\n" in row["error"]:
            failures.append(f"{entry.name}: error of several lines")
    _report(failures)
