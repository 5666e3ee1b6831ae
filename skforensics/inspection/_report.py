"""The HTML report of ``skforensics analyse --html``.

One ``report.html`` in the output folder, next to the ``maps/`` and
``thumbs/`` PNGs it shows (relative links, so the folder can be moved or
zipped as a whole; nothing is fetched from the network). It opens with a
summary (the count of each verdict, as a small bar chart, and how to read
the maps), then a table with one row per input file, sortable by each
column with a few lines of plain JavaScript, and one section per file with
the image next to its heat maps and the verdicts in words.

Records are written as they come into two temporary files beside the
report (table rows, sections), so memory does not grow with the number of
files; the page is assembled from them when the writer closes and renamed
into place, so ``report.html`` is always a whole page.
"""

import html
import os
import shutil
from collections import Counter
from urllib.parse import quote

from ._jpeg_verdict import RESIZED_VERDICT, VERDICT_COLOURS
from ._plot._plotting import factor_words, jpeg_title
from ._upscale import NOT_JUDGED

__all__ = []  # private: reached through `skforensics analyse --html`

# jpeg_words is jpeg_title, the words of JPEGMapDisplay's title.
jpeg_words = jpeg_title

# The maps of analyse_one, in the order they are shown, with their captions.
# A map is shown only if its model answered for this record (a map left by an
# earlier run in the same folder is not).
_MAPS = (
    ("upscale", "p_upscaled", "upscaling: tile heat map of P(upscaled)"),
    (
        "jpeg",
        "p_compressed",
        "JPEG: quality map, P(compressed) map and quality histogram",
    ),
)

_HOW_TO_READ = (
    "<b>How to read the maps.</b> The upscaling map lays each 64x64 tile's "
    "P(upscaled) over the image (dark: native, bright: upscaled); a real "
    "upscale is bright everywhere there is texture, while flat areas (sky, "
    "walls) carry no evidence either way. The JPEG figure shows the image, "
    "the estimated JPEG quality of each pixel (0 to 100), each pixel's "
    "P(ever JPEG-compressed) and the histogram of the quality map: a JPEG "
    "reads as one quality over the whole image, a splice or a pasted JPEG "
    "as a region that differs. The JPEG verdict combines the net with the "
    "evidence in the pixels (an 8x8 lattice of quantisation steps, or a "
    "JPEG block grid resized after compression): 'compressed, then resized' "
    "where a resized grid shows; 'no JPEG trace found' where nothing shows "
    "but the pixels could not rule out a JPEG resized afterwards; 'unknown' "
    "with a disagreement where net and pixels differ, typically for a JPEG "
    "that was resized or filtered afterwards. A quality is given where the "
    "verdict is 'compressed', or where the net reads a compression and the "
    "verdict is not 'never compressed'."
)

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-bottom: 0.3em; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; }
th { background: #f3f3f3; position: sticky; top: 0; }
th[data-type] { cursor: pointer; }
th[data-order="asc"]::after { content: " \\25B2"; }
th[data-order="desc"]::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.thumb img { max-height: 48px; max-width: 96px; }
.error { color: #a00; }
.path { font-family: ui-monospace, monospace; word-break: break-all; }
section.file { border-top: 1px solid #ccc; margin-top: 1.5em; }
.figs { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
figure { margin: 0; } figure img { max-width: 100%; max-height: 380px; }
figcaption { font-size: 0.85em; color: #555; }
#overview { max-width: 60em; } .howto { font-size: 0.9em; color: #333; }
.note { color: #555; }
"""

# Click a heading to sort by its column; click again to reverse. Cells sort
# by their data-v attribute (numbers for numeric columns), empty ones last.
_SCRIPT = """
function sortBy(th) {
  var body = th.closest("table").tBodies[0], i = th.cellIndex;
  var num = th.dataset.type === "num", asc = th.dataset.order !== "asc";
  var rows = Array.prototype.slice.call(body.rows);
  rows.sort(function (a, b) {
    var x = a.cells[i].dataset.v, y = b.cells[i].dataset.v;
    if (x === "" || y === "") { return (x === "") - (y === ""); }
    var d = num ? x - y : x.localeCompare(y);
    return asc ? d : -d;
  });
  rows.forEach(function (row) { body.appendChild(row); });
  th.parentNode.querySelectorAll("th").forEach(function (h) {
    delete h.dataset.order;
  });
  th.dataset.order = asc ? "asc" : "desc";
}
"""

# (heading, record key or None, sort type or None).
_COLUMNS = (
    ("#", None, "num"),
    ("image", None, None),
    ("path", "path", "text"),
    ("size", None, "num"),
    ("mode", "mode", "text"),
    ("P(upscaled)", "p_upscaled", "num"),
    ("factor", "factor", "num"),
    ("JPEG verdict", "jpeg_verdict", "text"),
    ("JPEG quality", "jpeg_quality", "num"),
    ("P(compressed)", "p_compressed", "num"),
    ("seconds", "seconds", "num"),
    ("verdict", None, None),
)
_NUMBERS = {"p_upscaled": ".2f", "factor": "g", "jpeg_quality": ".0f",
            "p_compressed": ".2f", "seconds": ".2f"}
# Bar colours of the summary chart, by verdict.
_COLOURS = {"upscaled": "#c0392b", "native": "#27ae60", **VERDICT_COLOURS,
            "not judged": "#95a5a6", "failed": "#555"}


def verdict_words(record):
    """The verdicts of one record of ``skforensics analyse``, in words.

    Parameters
    ----------
    record : dict
        A record of :func:`~._analyse.analyse_one`.

    Returns
    -------
    texts : list of str
        One text per model that answered, in the order upscale, JPEG; the
        same words as the titles of the Displays that draw the maps.
    """
    texts = []
    if record.get("p_upscaled") is not None:
        texts.append(
            factor_words(
                record["p_upscaled"],
                record.get("upscaled"),
                record.get("factor"),
                record.get("native_width"),
                record.get("native_height"),
            )
        )
    if record.get("p_compressed") is not None:
        quality = record.get("net_quality", record.get("jpeg_quality"))
        verdict = record.get("jpeg_verdict")
        if verdict == RESIZED_VERDICT and record.get("resize_factor"):
            verdict = f"{verdict} (factor {record['resize_factor']:.2f})"
        texts.append(
            jpeg_title(
                quality,
                record["p_compressed"],
                verdict=verdict,
                confidence=record.get("jpeg_confidence"),
            )
        )
    return texts


def _summary_keys(record):
    """The verdicts of one record that the summary counts."""
    if record.get("failed"):
        return ["file: failed"]
    keys = []
    if record.get("p_upscaled") is not None:
        upscaled = "upscaled" if record.get("upscaled") else "native"
        keys.append(f"upscaling: {upscaled}")
    elif f"upscale: {NOT_JUDGED}" in (record.get("error") or ""):
        keys.append("upscaling: not judged")
    if record.get("jpeg_verdict"):
        keys.append(f"JPEG: {record['jpeg_verdict']}")
    return keys


def _bar_chart(counts, total):
    """An inline SVG bar chart of the verdict counts (no script, no network)."""
    bar_height, label_width, width = 18, 210, 260
    height = bar_height * len(counts) + 4
    parts = [
        f'<svg id="verdict-chart" width="{label_width + width + 60}" '
        f'height="{height}" role="img" aria-label="count of each verdict">'
    ]
    for i, (key, n) in enumerate(counts):
        y = 2 + i * bar_height
        length = 0 if not total else max(1, round(width * n / total))
        colour = _COLOURS.get(key.split(": ", 1)[1], "#2980b9")
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" '
            f'font-size="12">{_text(key)}</text>'
            f'<rect x="{label_width}" y="{y + 2}" width="{length}" '
            f'height="{bar_height - 5}" fill="{colour}"></rect>'
            f'<text x="{label_width + length + 4}" y="{y + 13}" '
            f'font-size="12">{n}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _attr(value):
    return "" if value is None else html.escape(str(value), quote=True)


def _text(value):
    return "" if value is None else html.escape(str(value), quote=False)


def _url(folder, name):
    return f"{folder}/{quote(name)}"


class HTMLReportWriter:
    """Stream records of ``skforensics analyse`` to ``report.html``.

    Use as a context manager, as :class:`~._records.ReportWriter`; call
    :meth:`write` once per record, in order. The page is whole only once
    the writer closes (rows and sections wait in two files beside it).

    Parameters
    ----------
    output_dir : str
        The report's folder; ``maps_dir`` and ``thumbs_dir`` lie inside it.
    maps_dir : str or None
        Folder of the per-file maps (``--no-maps``: None).
    thumbs_dir : str or None
        Folder of the per-file thumbnails.
    title : str, default="skforensics analyse"
        Title of the page.
    note : str, default=""
        A line under the title (what was run, and when).
    """

    def __init__(
        self, output_dir, *, maps_dir, thumbs_dir, title="skforensics analyse", note=""
    ):
        self.output_dir = output_dir
        self.path = os.path.join(output_dir, "report.html")
        self.maps_dir = maps_dir
        self.thumbs_dir = thumbs_dir
        self.title = title
        self.note = note
        self.n_written = 0
        self.n_failed = 0
        self.n_incomplete = 0
        # Counts per verdict: a handful of keys, whatever the number of files.
        self.verdict_counts = Counter()

    def _link(self, folder, name):
        """Relative URL of ``folder/name`` if that file was written, else None."""
        if folder is None or not os.path.isfile(os.path.join(folder, name)):
            return None
        rel = os.path.relpath(folder, self.output_dir).replace(os.sep, "/")
        return _url(rel, name)

    def __enter__(self):
        self._rows_path = self.path + ".rows.part"
        self._parts_path = self.path + ".part"
        self._rows = open(self._rows_path, "w+", encoding="utf-8")
        self._parts = open(self._parts_path, "w+", encoding="utf-8")
        return self

    def write(self, record):
        """Append one record: a row of the table and a section of maps.

        Parameters
        ----------
        record : dict
            A record of :func:`~._analyse.analyse_one`, whose thumbnail and
            maps (if any) are already saved.
        """
        from ._analyse import _map_name

        index = record.get("index", self.n_written)  # names its thumbnail and maps
        anchor = f"f{index:05d}"
        path = record["path"]
        failed = bool(record.get("failed"))
        error = record.get("error") or ""
        self.n_failed += failed
        self.n_incomplete += bool(error) and not failed
        self.verdict_counts.update(_summary_keys(record))
        thumb = None
        if not failed:  # (not a thumbnail left by an earlier run)
            thumb = self._link(self.thumbs_dir, _map_name(index, path, "thumb"))
        words = verdict_words(record)

        cells = [
            f'<td class="num" data-v="{index}"><a href="#{anchor}">{index}</a></td>'
        ]
        if thumb:
            cells.append(
                f'<td class="thumb"><a href="#{anchor}"><img src="{_attr(thumb)}" '
                f'alt="thumbnail" loading="lazy"></a></td>'
            )
        else:
            cells.append('<td class="thumb"></td>')
        cells.append(f'<td class="path" data-v="{_attr(path)}">{_text(path)}</td>')
        if record.get("height") is None:
            cells.append('<td class="num" data-v=""></td>')
        else:
            size = f"{record['width']}x{record['height']}"  # as 1920x1080
            pixels = record["height"] * record["width"]
            cells.append(f'<td class="num" data-v="{pixels}">{size}</td>')
        cells.append(
            f'<td data-v="{_attr(record.get("mode"))}">{_text(record.get("mode"))}</td>'
        )
        for _, key, kind in _COLUMNS[5:-1]:
            value = record.get(key)
            if kind == "text":
                cells.append(f'<td data-v="{_attr(value)}">{_text(value)}</td>')
                continue
            shown = "" if value is None else format(value, _NUMBERS[key])
            cells.append(f'<td class="num" data-v="{_attr(value)}">{shown}</td>')
        verdict = "; ".join(_text(w) for w in words)
        if error:
            verdict += (
                "<br>" if verdict else ""
            ) + f'<span class="error">{_text(error)}</span>'
        cells.append(f"<td>{verdict}</td>")
        self._rows.write("<tr>" + "".join(cells) + "</tr>\n")
        self._rows.flush()

        section = [
            f'<section class="file" id="{anchor}">',
            f'<h2>{index}. <span class="path">{_text(path)}</span></h2>',
        ]
        if words:
            section.append(
                f'<p class="verdict">{" · ".join(_text(w) for w in words)}</p>'
            )
        if record.get("jpeg_disagreement"):
            section.append(
                f'<p class="note">JPEG: {_text(record["jpeg_disagreement"])}</p>'
            )
        if error:
            section.append(f'<p class="error">{_text(error)}</p>')
        figures = []
        if thumb:
            size = (
                ""
                if record.get("height") is None
                else (
                    f", {record['width']}x{record['height']} {record.get('mode') or ''}"
                )
            )
            figures.append((thumb, "image", f"the image{size}"))
        for suffix, key, caption in _MAPS:
            if record.get(key) is None:
                continue
            link = self._link(self.maps_dir, _map_name(index, path, suffix))
            if link:
                figures.append((link, f"{suffix} maps", caption))
        if figures:
            section.append('<div class="figs">')
            for src, alt, caption in figures:
                section.append(
                    f'<figure><a href="{_attr(src)}"><img src="{_attr(src)}" '
                    f'alt="{_attr(alt)}" loading="lazy"></a>'
                    f"<figcaption>{_text(caption)}</figcaption></figure>"
                )
            section.append("</div>")
        section.append("</section>")
        self._parts.write("\n".join(section) + "\n")
        self._parts.flush()
        self.n_written += 1

    def _head(self):
        head = [
            "<!DOCTYPE html>",
            '<html lang="en">',
            '<head><meta charset="utf-8">',
            f"<title>{_text(self.title)}</title>",
            f"<style>{_STYLE}</style>",
            f"<script>{_SCRIPT}</script>",
            "</head>",
            "<body>",
            f"<h1>{_text(self.title)}</h1>",
        ]
        if self.note:
            head.append(f'<p class="note">{_text(self.note)}</p>')
        counts = sorted(self.verdict_counts.items())
        head += [
            '<div id="overview">',
            f'<p id="summary">{self.n_written} files, {self.n_failed} failed, '
            f"{self.n_incomplete} with a model that could not answer.</p>",
            _bar_chart(counts, self.n_written),
            f'<p class="howto">{_HOW_TO_READ}</p>',
            "</div>",
            (
                "<p>Click a column heading to sort by it. Each file's maps are "
                "in its section below the table.</p>"
            ),
            '<table id="files">',
            "<thead><tr>",
        ]
        for heading, _, kind in _COLUMNS:
            if kind:
                head.append(
                    f'<th data-type="{kind}" onclick="sortBy(this)">{heading}</th>'
                )
            else:
                head.append(f"<th>{heading}</th>")
        head += ["</tr></thead>", "<tbody>"]
        return "\n".join(head) + "\n"

    def __exit__(self, *exc_info):
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as page:
            page.write(self._head())
            for part in (self._rows, self._parts):
                part.seek(0)
                shutil.copyfileobj(part, page)
                if part is self._rows:
                    page.write("</tbody>\n</table>\n")
            page.write("</body>\n</html>\n")
        os.replace(tmp, self.path)
        for part in (self._rows, self._parts):
            part.close()
            os.remove(part.name)
        return False
