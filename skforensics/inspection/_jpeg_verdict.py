"""One JPEG verdict from the net's maps and the pixels' evidence.

:func:`combine_verdicts` turns one audit row (the net's probability, quality
and maps' spread beside :func:`~skforensics.inspection.jpeg_evidence`'s
columns) into a verdict, a confidence and a disagreement; ``jpeg_audit``
and ``analyse`` both call it.
"""

import math

import numpy as np

# Pixels the flag map must call compressed for the spread of the quality map.
_MIN_FLAGGED = 64
# The net is sure beyond these probabilities.
_SURE = 0.9
# The net's quality and the table's agree within this many points.
_QUALITY_AGREEMENT = 10.0
# The quality map's spread (interquartile range) is narrow below this.
_NARROW_IQR = 15.0
# From this share of pixels flagged compressed, a flag map is mixed: a JPEG
# resized after compression keeps some of the net's cues and loses the
# lattice (on held-out crops: never-compressed ones flagged at most 12% of
# their pixels, Q75 JPEGs resized by 1.3 up to 82%).
_MIXED_FLAGS = 0.2
# The verdicts beyond the evidence's three: a JPEG grid resized after
# compression, found with the net's agreement; and no trace of a JPEG where
# a resized JPEG could have left none (see combine_verdicts).
RESIZED_VERDICT = "compressed, then resized"
NO_TRACE_VERDICT = "no JPEG trace found"
# Every verdict the audit can give, in the order summaries list them, and
# the colour that charts draw each in (red: a JPEG history; green: none;
# grey: the evidence cannot tell).
VERDICT_COLOURS = {
    "compressed": "#c0392b",
    RESIZED_VERDICT: "#e67e22",
    "never compressed": "#27ae60",
    NO_TRACE_VERDICT: "#95a5a6",
    "unknown": "#7f8c8d",
}
# A periodicity of the pixels this strong (jpeg_evidence's resampling_z) is
# a trace of resampling: the image was resized.
_RESAMPLING_TRACE = 12.0
# Below this, no periodicity stands out of chance (never-resized held-out
# photographs and textures: 2-4, but periodic content; downscaled by 0.8:
# 3-28, most above 5): from it, "never compressed" needs the search to be
# able to see a resized grid in the image (jpeg_evidence's
# resized_visible).
_FAINT_PERIODICITY = 5.0


def _called_compressed(row):
    """Whether a row calls its image compressed (its verdict, else the net)."""
    if row.get("verdict"):
        return row["verdict"] in ("compressed", RESIZED_VERDICT)
    return bool(row.get("compressed"))


def _quality_spread(quality_map, flag_map):
    """Interquartile range of the quality map over the pixels flagged
    compressed (flag > 0.5); None with fewer than 64 such pixels."""
    flagged = np.asarray(quality_map)[np.asarray(flag_map) > 0.5]
    if flagged.size < _MIN_FLAGGED:
        return None
    # flagged is a copy already: partitioned in place, not copied again.
    q1, q3 = np.percentile(flagged, [25, 75], overwrite_input=True)
    return round(float(q3 - q1), 2)


def _mixed_flags(row, missing):
    """The "unknown" verdict of a mixed flag map where the pixels show no
    ``missing`` (a JPEG resized or filtered after compression keeps some of
    the net's cues and loses the grid); None where the map is not mixed."""
    flagged = row.get("flagged_share")
    if flagged is None or not flagged >= _MIXED_FLAGS:  # NaN: not mixed
        return None
    return (
        "unknown",
        "low",
        (
            f"{flagged:.0%} of the net's flag map says compressed but no {missing} "
            "is in the pixels (resized or filtered after compression?)"
        ),
    )


def combine_verdicts(row):
    """The verdict, its confidence and any disagreement, from one row.

    ``row`` holds the net's ``quality`` and ``p_compressed``, its
    ``quality_iqr`` and the evidence's ``evidence``, ``table_quality``,
    ``libjpeg_like`` and ``phase_z``, and, where the resized-grid search
    ran, ``resized_grid``, ``resize_factor``, ``grid_period`` and
    ``resampling_z`` (rows without them get the rule of the 8x8 lattice
    alone); returns ``(verdict, confidence, disagreement)``. The rule is
    written out in :func:`jpeg_audit`'s Notes.

    ``row`` may also hold ``descaled``, whether the net read the pixels
    with an enlargement undone by least squares (``_jpeg_net_view``), and
    ``lossy_codec``, the lossy codec other than JPEG
    that wrote the file (``utils._io.lossy_codec``): its own blocks leave
    grids that read as a resized JPEG's and can hide an earlier JPEG's
    traces; and ``rendered``, whether the pixels look rendered (text,
    charts, flat colour: ``feature._rendered.looks_rendered``), which the
    net (trained on photographs) misreads and whose flat areas and ramps
    can fit a resized grid. In both cases only an 8x8 JPEG lattice found
    in the pixels as they are keeps its verdict (see ``_without_the_rest``).
    """
    verdict, confidence, disagreement = _combine(row)
    notes = []
    if row.get("lossy_codec"):
        notes.append(
            f"the file is a lossy {row['lossy_codec']}, whose own blocks leave "
            "grids like a JPEG's"
        )
    if row.get("rendered"):
        notes.append(
            "the pixels look rendered (text, charts, flat colour), which the net, "
            "trained on photographs, misreads and whose flat areas can fit a "
            "resized grid"
        )
    if notes and not (verdict == "compressed" and row["evidence"] == "compressed"):
        return _without_the_rest(
            " and ".join(notes), verdict, confidence, disagreement, row
        )
    return verdict, confidence, disagreement


def _without_the_rest(note, verdict, confidence, disagreement, row):
    """A verdict where no 8x8 JPEG lattice was found in the pixels and
    ``note`` says why nothing else may decide: the net, a resized grid.

    Lossy WebP files of never-compressed photographs read as JPEGs resized
    by 0.5 or 2 (the codec's 4x4 transforms and 16x16 macroblocks; AVIF's
    blocks likewise), and the net calls rendered text and charts compressed:
    a resized grid, or the net alone, says nothing of a JPEG there
    ("unknown"); and "never compressed" cannot be said of pixels a lossy
    codec went over, nor on the 8x8 test alone ("no JPEG trace found").
    """
    if verdict == RESIZED_VERDICT:
        factor = row.get("resize_factor")
        found = "a JPEG grid resized" + ("" if factor is None else f" by {factor:.2f}")
        return "unknown", "low", f"the pixels fit {found}, but {note}"
    if verdict == "compressed":
        return "unknown", "low", f"{disagreement or 'the net says compressed'}; {note}"
    if verdict == "never compressed":
        hides = f"{note}, which can hide an earlier JPEG's traces"
        return NO_TRACE_VERDICT, "low", hides
    return verdict, confidence, "; ".join(filter(None, [disagreement, note]))


def _combine(row):
    """combine_verdicts before a lossy codec and rendered pixels count."""
    p = row["p_compressed"]
    net = None if p is None or math.isnan(p) else p >= 0.5
    net_sure = net is not None and (p >= _SURE or p <= 1 - _SURE)
    evidence = row["evidence"]
    net_words = "no answer" if net is None else f"P(ever JPEG) = {p:.2f}"
    if evidence != "compressed" and row.get("resized_grid"):
        return _combine_resized(row, net, net_sure, net_words)
    if evidence == "compressed" and row.get("resized_grid") == "found":
        # A resized JPEG whose lattice shows once the resize is undone (the
        # 8x8 lattice of an enlargement, the DC lattice of a downscale) or
        # in its blocks resized on their grid: the lattice's rule, in the
        # words of a resize.
        pixels = (
            "the pixels, their enlargement undone,"
            if (row.get("resize_factor") or 1.0) > 1
            else "the pixels' JPEG blocks, read through their downscale,"
        )
        _, confidence, disagreement = _combine_lattice(row, net, net_words, pixels)
        return RESIZED_VERDICT, confidence, disagreement
    if evidence == "compressed":
        return _combine_lattice(row, net, net_words, "the pixels")
    if evidence == "never compressed":
        if net:
            return (
                "unknown",
                "low",
                (
                    f"the net says compressed ({net_words}) but no 8x8 JPEG lattice is "
                    "in the pixels (resized or filtered after compression, or a false "
                    "alarm of the net)"
                ),
            )
        if net is None:
            return "never compressed", "medium", ""
        mixed = _mixed_flags(row, "8x8 JPEG lattice")
        if mixed:
            return mixed
        return "never compressed", "high" if net_sure else "medium", ""
    # The evidence cannot tell: the net alone, if it is sure.
    if net_sure:
        return ("compressed" if net else "never compressed"), "low", ""
    return "unknown", "low", ""


def _combine_lattice(row, net, net_words, pixels):
    """combine_verdicts where ``pixels`` lie on an 8x8 JPEG lattice."""
    if net is False:
        return (
            "compressed",
            "medium",
            (
                f"the net says never compressed ({net_words}) but {pixels} lie "
                "on an 8x8 JPEG lattice"
            ),
        )
    quality, table = row["quality"], row["table_quality"]
    comparable = (
        row["libjpeg_like"]
        and quality is not None
        and not math.isnan(quality)
        and table is not None
    )
    if comparable and abs(quality - table) > _QUALITY_AGREEMENT:
        return (
            "compressed",
            "medium",
            (
                f"the net's quality ({quality:.0f}) and the table's ({table}) "
                f"differ by more than {_QUALITY_AGREEMENT:.0f}"
            ),
        )
    iqr = row["quality_iqr"]
    if net is None or (iqr is not None and iqr > _NARROW_IQR):
        return "compressed", "medium", ""
    return "compressed", "high", ""


def _combine_resized(row, net, net_sure, net_words):
    """combine_verdicts where no 8x8 lattice was found and the search for a
    resized grid ran.

    A resized grid found: "compressed, then resized" ("medium" when the net
    agrees, else "low", with the disagreement). None: "never compressed"
    only where no resampling trace shows and the 8x8 test could see
    ("medium" when the net is sure, else "low"; never "high": a JPEG at
    quality 90 or finer downscaled with an antialiasing filter can keep no
    grid), else "no JPEG trace found" ("low"); "unknown" where the net
    says compressed or its flag map is mixed, but "compressed, then
    resized" ("low") where it is sure, reading the pixels with an
    enlargement undone (``descaled``).
    """
    evidence, search = row["evidence"], row["resized_grid"]
    if search == "found":
        factor, period = row.get("resize_factor"), row.get("grid_period")
        pattern = (
            f"a periodic pattern of period {period:.1f} pixels fits a JPEG grid "
            f"resized by {factor:.2f}"
        )
        # On never-compressed photographs, resized or not, the search found
        # no grid (benchmarks/bench_jpeg_resized.py); periodic content can
        # still mimic one, hence never "high".
        if net:
            return RESIZED_VERDICT, "medium", ""
        if net is None:
            return RESIZED_VERDICT, "low", ""
        return (
            RESIZED_VERDICT,
            "low",
            (
                f"the net says never compressed ({net_words}), but {pattern} "
                "(the net was not trained on resized JPEGs; periodic content "
                "can mimic a grid)"
            ),
        )
    if net_sure and net and row.get("descaled"):
        # The net read the pixels with an enlargement undone, as it reads any
        # JPEG; the lattice test there cannot rule one out (the enlargement's
        # rounding, amplified by the descale, hides a fine one): the net's
        # verdict, as where the evidence cannot tell.
        return (
            RESIZED_VERDICT,
            "low",
            (
                f"the net, reading the pixels with their enlargement from "
                f"{row['native_size']} undone, says compressed ({net_words}); no "
                "8x8 lattice shows there (the enlargement's rounding can hide one)"
            ),
        )
    if net and evidence != "never compressed":
        # The evidence cannot tell (a blurred or faint lattice): the net
        # alone, if it is sure.
        return ("compressed" if net_sure else "unknown"), "low", ""
    if net:
        return (
            "unknown",
            "low",
            (
                f"the net says compressed ({net_words}) but neither an 8x8 nor a "
                "resized JPEG grid is in the pixels (filtered or resized after "
                "compression, or a false alarm of the net)"
            ),
        )
    mixed = _mixed_flags(row, "JPEG grid")
    if mixed:
        return mixed
    periodicity = row.get("resampling_z") or 0.0
    if evidence != "never compressed" or search != "not found" or (
        periodicity >= _RESAMPLING_TRACE
    ):
        # The pixels cannot rule a JPEG out: too small, flat or blurred for
        # the lattice, or resampled (a resized JPEG can keep no grid).
        return NO_TRACE_VERDICT, "low", ""
    visible = bool(row.get("resized_visible"))
    if periodicity >= _FAINT_PERIODICITY and not visible:
        # A faint periodicity (a resize, perhaps) where a resized JPEG's
        # grid would not have shown either.
        return NO_TRACE_VERDICT, "low", ""
    # No lattice where any would show and no resized grid, where one would
    # have shown or where nothing says the image was resized: a JPEG at
    # quality 90 or finer downscaled with an antialiasing filter can still
    # pass, hence never "high", and "medium" only where the net is sure and
    # a resized grid would have shown.
    return "never compressed", "medium" if net_sure and visible else "low", ""
