"""JPEG histories that survive resizing: the resized-grid search of
jpeg_evidence and the audit's verdicts built on it."""

import math

import numpy as np
import pytest
from PIL import Image

from skforensics.datasets import jpeg_with_tables, libjpeg_tables
from skforensics.inspection import jpeg_evidence
from skforensics.inspection._jpeg_audit import CSV_FIELDS
from skforensics.inspection._jpeg_verdict import (
    NO_TRACE_VERDICT,
    RESIZED_VERDICT,
    _called_compressed,
    combine_verdicts,
)


def _resize(pixels, factor):
    height, width = pixels.shape[:2]
    size = (round(width * factor), round(height * factor))
    return np.asarray(Image.fromarray(pixels).resize(size, Image.BICUBIC))


@pytest.fixture(scope="module")
def camera():
    from skimage import data

    return data.camera()


@pytest.mark.parametrize("factor", [0.75, 1.5])
def test_resized_jpeg_grid_factor_and_offset(camera, factor, monkeypatch):
    import skforensics.inspection._jpeg_evidence as module

    # The block edges alone: a resize by 0.75 on the block grid is read
    # before, by its 6x6 blocks' lattice (test_jpeg_scaled).
    monkeypatch.setattr(module, "_add_scaled", lambda evidence, *args: evidence)
    jpeg = jpeg_with_tables(camera, *libjpeg_tables(50))
    # Cropped by (3, 5) after the resize: the grid's edges move with it.
    found = jpeg_evidence(_resize(jpeg, factor)[3:, 5:], double=False)
    assert found.resized_grid == "found"
    assert found.resize_factor == pytest.approx(factor, rel=0.01)
    assert found.grid_period == pytest.approx(8 * factor, rel=0.01)
    period = found.grid_period
    for offset, shift in zip(found.grid_offset, (3, 5)):
        expected = -shift % period
        distance = abs(offset - expected)
        assert min(distance, period - distance) < 0.5
    assert found.resized_z >= 16
    assert found.grid_phase is None
    if factor < 1:
        # No 8x8 lattice is left: a candidate, the evidence says unknown.
        assert found.verdict == "unknown" and found.native_size is None
        assert "resized by about" in found.reason
        assert np.isnan(found.steps).all() and found.table_quality is None
    else:
        # An enlargement: undone, it gives the lattice back (the crop moves
        # the sampling grid, so the native size is only near the crop's).
        assert found.verdict == "compressed"
        crop = np.array(found.shape) / factor
        assert np.allclose(found.native_size, crop, rtol=0.01)


@pytest.mark.parametrize("quality", [50, 75])
def test_grid_of_a_jpeg_halved(camera, quality):
    # A period of 4 pixels: one harmonic below the Nyquist frequency. At
    # quality 75 it is found only with the two axes' z summed (the smaller
    # of the two stays under the first search's threshold).
    jpeg = jpeg_with_tables(camera, *libjpeg_tables(quality))
    found = jpeg_evidence(_resize(jpeg, 0.5), double=False)
    assert found.resized_grid == "found"
    assert found.resize_factor == pytest.approx(0.5, rel=0.02)
    never = jpeg_evidence(_resize(camera, 0.5), double=False)
    assert never.resized_grid == "not found"


def test_searches_in_order():
    from skforensics.inspection._jpeg_resized_grid import _PASSES

    # The first search is the smaller z of the two axes over the whole
    # range; the summed one comes after it, for a period of 4 pixels only.
    first, half = _PASSES
    assert not first.summed
    assert first.z_resized is not None and first.z_single is not None
    assert half.summed and half.z_resized is None
    assert half.z_single < first.z_single


@pytest.fixture(scope="module")
def brick():
    from skimage import data

    return data.brick()


def _toned(pixels, gain):
    """A linear tone change about mid-grey, rounded to 8 bits."""
    values = gain * (pixels.astype(np.float64) - 128) + 128
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("quality, gain", [(75, 0.85), (90, 0.85), (90, 1.15)])
def test_a_tone_changed_jpeg_keeps_its_block_grid(camera, quality, gain):
    # A gain moves the DCT coefficients off the integer lattice the 8x8 test
    # reads, but the block edges stay every 8 pixels. Before, quality 75
    # read "never compressed" and quality 90 a grid resized by 0.5 (the
    # unresized grid's harmonic 2/8).
    toned = _toned(jpeg_with_tables(camera, *libjpeg_tables(quality)), gain)
    found = jpeg_evidence(toned, double=False)
    assert found.grid_phase is None and found.verdict == "unknown"
    assert found.resized_grid == "not found" and found.resize_factor is None
    assert found.block_grid_z >= 16
    assert "repeat every 8 pixels" in found.reason
    # Never compressed, the same tone change leaves no grid.
    never = jpeg_evidence(_toned(camera, gain), double=False)
    assert never.verdict == "never compressed" and never.block_grid_z < 8
    # A JPEG halved has its grid at 2/8 alone: no block grid at 8.
    from skforensics.inspection._jpeg_resized_grid import _resized_grid

    halved = _resize(jpeg_with_tables(camera, *libjpeg_tables(50)), 0.5)
    searched = _resized_grid(halved.astype(np.float32))
    assert searched.resized_grid == "found" and searched.block_grid_z < 8


def _spectra(peaks, freqs):
    """Robust z spectra of both axes with a peak (frequency: z) each."""
    z = np.zeros_like(freqs)
    for frequency, height in peaks.items():
        z = np.maximum(z, height * np.exp(-0.5 * ((freqs - frequency) / 0.002) ** 2))
    return [z, z]


def test_subharmonic_of_an_upsampling_trace_is_not_a_grid(monkeypatch):
    from skforensics.inspection import _jpeg_resized_grid as module

    freqs = np.fft.rfftfreq(4096)

    def search(weighted, plain):
        best, _, _ = module._search(
            _spectra(weighted, freqs), _spectra(plain, freqs), 560, freqs,
            module._PASSES[0],
        )
        return None if best is None else 1 / (8 * freqs[best])

    # An enlargement by 1.6 (a never-compressed photograph, OpenCV's area):
    # its trace at 0.375 cycles per pixel and its harmonics, with a weaker
    # peak at half of it, whose harmonics 2 and 4 lie on the trace's.
    enlarged = {0.375: 94, 0.25: 25, 0.1875: 9.5, 0.125: 6}
    enlarged_plain = {0.375: 140, 0.25: 47, 0.1875: 15.5, 0.125: 3.6}
    # A JPEG downscaled by 0.9: its grid's second harmonic is the strongest
    # periodicity, about as strong as its fundamental.
    u = 1 / 7.2
    downscaled = {u: 22, 2 * u: 27, 3 * u: 10, 1 - 4 * u: 8}
    downscaled_plain = {u: 24, 2 * u: 27, 3 * u: 8, 1 - 4 * u: 6}
    assert search(enlarged, enlarged_plain) is None
    assert search(downscaled, downscaled_plain) == pytest.approx(0.9, rel=0.01)
    # Without the rule the subharmonic passed for a grid resized by 0.67.
    monkeypatch.setattr(module, "_SUBHARMONIC_RATIO", np.inf)
    assert search(enlarged, enlarged_plain) == pytest.approx(2 / 3, rel=0.01)


@pytest.mark.parametrize("factor", [0.7, 0.8, 0.9])
def test_never_compressed_downscaled_has_no_grid(camera, brick, factor):
    from skimage import data

    for image in (camera, brick, data.grass(), data.coffee()):
        found = jpeg_evidence(_resize(image, factor), double=False)
        assert found.resized_grid == "not found"


@pytest.mark.parametrize("factor", [0.75, 1.5])
def test_never_compressed_resized_has_no_grid(camera, factor):
    found = jpeg_evidence(_resize(camera, factor), double=False)
    assert found.resized_grid == "not found" and found.resize_factor is None
    assert found.verdict == "never compressed"
    if factor > 1:
        # An upsampling leaves a strong periodic trace of its interpolation.
        assert found.resampling_z >= 12
        assert "trace of resampling" in found.reason


def test_search_fields_and_switch(camera):
    jpeg = jpeg_with_tables(camera, *libjpeg_tables(75))
    on_grid = jpeg_evidence(jpeg, double=False)
    # An 8x8 lattice: the resized search is not needed, nor run.
    assert on_grid.verdict == "compressed" and on_grid.resized_grid is None
    off = jpeg_evidence(_resize(jpeg, 1.5), double=False, resized=False)
    assert off.resized_grid is None and math.isnan(off.resampling_z)
    small = jpeg_evidence(camera[:40, :40], double=False)
    assert small.resized_grid in (None, "unknown")


def _row(**changes):
    row = {
        "quality": 80.0,
        "p_compressed": 0.95,
        "quality_iqr": 5.0,
        "flagged_share": 0.5,
        "evidence": "unknown",
        "table_quality": None,
        "libjpeg_like": None,
        "phase_z": 1.0,
        "resized_grid": "found",
        "resize_factor": 0.75,
        "grid_period": 6.0,
        "resized_z": 30.0,
        "resampling_z": 5.0,
    }
    row.update(changes)
    return row


@pytest.mark.parametrize(
    "changes, expected, says",
    [
        ({}, (RESIZED_VERDICT, "medium"), ""),
        ({"p_compressed": 0.7}, (RESIZED_VERDICT, "medium"), ""),
        ({"p_compressed": 0.05}, (RESIZED_VERDICT, "low"), "period 6.0 pixels"),
        ({"p_compressed": float("nan")}, (RESIZED_VERDICT, "low"), ""),
        (
            {
                "evidence": "never compressed",
                "resized_grid": "not found",
                "p_compressed": 0.05,
                "flagged_share": 0.0,
                "resized_visible": True,
            },
            ("never compressed", "medium"),
            "",
        ),
        (
            {
                "evidence": "never compressed",
                "resized_grid": "not found",
                "p_compressed": 0.3,
                "flagged_share": 0.0,
                "resized_visible": True,
            },
            ("never compressed", "low"),
            "",
        ),
        (
            {
                "evidence": "never compressed",
                "resized_grid": "not found",
                "p_compressed": 0.05,
                "flagged_share": 0.0,
                "resampling_z": 80.0,
            },
            (NO_TRACE_VERDICT, "low"),
            "",
        ),
        (
            {
                "evidence": "never compressed",
                "resized_grid": "not found",
                "p_compressed": 0.8,
            },
            ("unknown", "low"),
            "neither an 8x8 nor a resized",
        ),
        (
            {
                "evidence": "never compressed",
                "resized_grid": "not found",
                "p_compressed": 0.3,
                "flagged_share": 0.4,
            },
            ("unknown", "low"),
            "40% of the net's flag map",
        ),
        (
            {"resized_grid": "not found", "p_compressed": 0.05, "flagged_share": 0},
            (NO_TRACE_VERDICT, "low"),
            "",
        ),
        (
            {"resized_grid": "not found", "p_compressed": 0.95},
            ("compressed", "low"),
            "",
        ),
        (
            {
                "evidence": "never compressed",
                "resized_grid": "unknown",
                "p_compressed": 0.05,
                "flagged_share": 0.0,
            },
            (NO_TRACE_VERDICT, "low"),
            "",
        ),
        # The net read the pixels with an enlargement undone (descaled), where
        # no lattice shows: its verdict when it is sure, else as before.
        (
            {
                "evidence": "never compressed",
                "resized_grid": "not found",
                "p_compressed": 0.97,
                "descaled": True,
                "native_size": "240x320",
            },
            (RESIZED_VERDICT, "low"),
            "enlargement from 240x320 undone, says compressed (P(ever JPEG) = 0.97)",
        ),
        (
            {
                "evidence": "never compressed",
                "resized_grid": "not found",
                "p_compressed": 0.8,
                "descaled": True,
                "native_size": "240x320",
            },
            ("unknown", "low"),
            "neither an 8x8 nor a resized",
        ),
        (
            {
                "evidence": "never compressed",
                "resized_grid": "not found",
                "p_compressed": 0.05,
                "flagged_share": 0.0,
                "descaled": True,
                "native_size": "240x320",
            },
            (NO_TRACE_VERDICT, "low"),
            "",
        ),
    ],
)
def test_combine_verdicts_with_resized_search(changes, expected, says):
    verdict, confidence, disagreement = combine_verdicts(_row(**changes))
    assert (verdict, confidence) == expected
    assert says in disagreement
    if not says:
        assert disagreement == ""
    # Never "high" without an 8x8 lattice.
    assert confidence != "high"


def _failed_search(**changes):
    """A row with no lattice and no resized grid, the net sure it is never JPEG."""
    base = {
        "evidence": "never compressed",
        "resized_grid": "not found",
        "resize_factor": None,
        "grid_period": None,
        "p_compressed": 0.03,
        "flagged_share": 0.0,
    }
    return _row(**{**base, **changes})


@pytest.mark.parametrize(
    "resampling_z, visible, p_compressed, expected",
    [
        # A faint periodicity (a resize?) and a resized grid that could not
        # have shown: nothing rules a resized JPEG out.
        (8.0, False, 0.03, (NO_TRACE_VERDICT, "low")),
        (5.0, None, 0.03, (NO_TRACE_VERDICT, "low")),
        (11.9, False, 0.03, (NO_TRACE_VERDICT, "low")),
        # A resized grid would have shown: never compressed.
        (8.0, True, 0.03, ("never compressed", "medium")),
        (8.0, True, 0.3, ("never compressed", "low")),
        # No periodicity at all: the 8x8 test saw the image as compressed;
        # "medium" only where a resized grid would have shown too.
        (3.0, False, 0.03, ("never compressed", "low")),
        (3.0, None, 0.03, ("never compressed", "low")),
        (3.0, True, 0.03, ("never compressed", "medium")),
        # A trace of resampling: no verdict of never, whatever could show.
        (12.0, True, 0.03, (NO_TRACE_VERDICT, "low")),
    ],
)
def test_never_compressed_only_where_a_resized_grid_would_show(
    resampling_z, visible, p_compressed, expected
):
    row = _failed_search(
        resampling_z=resampling_z, resized_visible=visible, p_compressed=p_compressed
    )
    assert combine_verdicts(row) == (*expected, "")


def test_resized_visible_is_read_where_the_search_failed(camera):
    # camera: no lattice, no resized grid; a quality-75 JPEG of it resized
    # by 0.7 or 0.8 shows its grid, so the search could see one here.
    never = jpeg_evidence(camera, double=False)
    assert never.resized_grid == "not found"
    assert never.resized_visible is True
    # White noise hides any grid: a resized JPEG of it shows none.
    noise = np.random.default_rng(0).integers(0, 256, (128, 128), dtype=np.uint8)
    assert jpeg_evidence(noise, double=False).resized_visible is False
    # A grid found, or a lattice: nothing to probe.
    jpeg = jpeg_with_tables(camera, *libjpeg_tables(50))
    assert jpeg_evidence(_resize(jpeg, 0.75), double=False).resized_visible is None
    assert jpeg_evidence(jpeg, double=False).resized_visible is None
    assert jpeg_evidence(camera, resized=False).resized_visible is None


def test_rows_without_the_search_keep_the_8x8_rule():
    row = _row(evidence="never compressed", p_compressed=0.03, flagged_share=0.0)
    del row["resized_grid"]
    assert combine_verdicts(row)[:2] == ("never compressed", "high")


def test_resized_verdict_counts_as_compressed_and_csv_columns():
    assert _called_compressed({"verdict": RESIZED_VERDICT})
    assert not _called_compressed({"verdict": NO_TRACE_VERDICT})
    for name in ("resized_grid", "resize_factor", "grid_period", "resampling_z"):
        assert name in CSV_FIELDS


def test_jpeg_map_display_shows_the_resize_factor():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skforensics.inspection import JPEGMapDisplay

    image = np.full((16, 16), 0.5)
    display = JPEGMapDisplay.from_predictions(
        image,
        np.full((16, 16), 80.0),
        np.full((16, 16), 0.2),
        quality=80.0,
        p_compressed=0.2,
        verdict=RESIZED_VERDICT,
        confidence="low",
        resize_factor=0.8,
    )
    assert "compressed, then resized (factor 0.80)" in display.figure_.get_suptitle()
    plt.close(display.figure_)
    with pytest.raises(ValueError, match="resize_factor"):
        JPEGMapDisplay.from_predictions(
            image, np.zeros((16, 16)), np.zeros((16, 16)), resize_factor=-1.0
        )


def test_report_and_histogram_show_the_resized_verdicts(tmp_path, monkeypatch):
    """The report's words carry the factor, its chart and the audit's
    histogram count and colour both verdicts the resized search added."""
    pytest.importorskip("matplotlib")
    from skforensics.inspection._jpeg_audit import _save_histogram
    from skforensics.inspection._jpeg_verdict import VERDICT_COLOURS
    from skforensics.inspection._report import _COLOURS, _bar_chart, verdict_words

    record = {
        "p_compressed": 0.4,
        "net_quality": 70.0,
        "jpeg_verdict": RESIZED_VERDICT,
        "jpeg_confidence": "low",
        "resize_factor": 0.8,
    }
    (words,) = verdict_words(record)
    assert words.startswith("compressed, then resized (factor 0.80) (low confidence)")
    # The net reads no compression (P 0.4): its quality says nothing of the
    # resized JPEG the pixels show. Where it agrees, the quality is shown.
    assert "70" not in words
    (words,) = verdict_words({**record, "p_compressed": 0.6})
    assert "70" in words
    # The other verdicts give no factor, even where the search found one.
    (words,) = verdict_words({**record, "jpeg_verdict": NO_TRACE_VERDICT})
    assert "factor" not in words

    for verdict in (RESIZED_VERDICT, NO_TRACE_VERDICT):
        chart = _bar_chart([(f"JPEG: {verdict}", 3)], 4)
        assert f'fill="{VERDICT_COLOURS[verdict]}"' in chart
        assert _COLOURS[verdict] == VERDICT_COLOURS[verdict]
    assert len(set(VERDICT_COLOURS.values())) == len(VERDICT_COLOURS)

    rows = [
        {"error": "", "p_compressed": 0.4, "quality": 70.0, "table_quality": None,
         "verdict": verdict, "disagreement": ""}
        for verdict in (RESIZED_VERDICT, RESIZED_VERDICT, NO_TRACE_VERDICT)
    ]
    path = tmp_path / "histogram.png"
    import matplotlib.figure

    drawn = {}
    original = matplotlib.figure.Figure.savefig

    def keep(fig, *args, **kwargs):
        drawn["fig"] = fig
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", keep)
    _save_histogram(str(path), rows)
    assert path.exists()
    bars = drawn["fig"].axes[2]
    labels = [t.get_text() for t in bars.get_yticklabels()]
    counts = dict(zip(labels, (p.get_width() for p in bars.patches)))
    assert counts[RESIZED_VERDICT] == 2 and counts[NO_TRACE_VERDICT] == 1
    assert counts["compressed"] == 0
    assert "2 called compressed" in drawn["fig"].get_suptitle()


def test_analyse_records_the_resize_columns():
    from skforensics.inspection._analyse import JPEGStep

    assert {"resize_factor", "grid_period"} <= set(JPEGStep.columns)
