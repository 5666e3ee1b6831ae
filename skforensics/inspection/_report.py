"""The HTML report of ``skforensics analyse --html``.

One ``report.html`` in the output folder, next to the ``maps/`` and
``thumbs/`` PNGs it shows (relative links, so the folder can be moved or
zipped as a whole; nothing is fetched from the network). It holds a table
with one row per input file, sortable by each column with a few lines of
plain JavaScript, and one section per file with the image next to its heat
maps and the verdicts in words.

Records are written as they come: table rows go straight into
``report.html`` and the per-file sections into a temporary file beside it,
appended when the report is closed, so memory does not grow with the number
of files.
"""

import html
import os
import shutil
from urllib.parse import quote

from ._analyse import _map_name

__all__ = []  # private: reached through `skforensics analyse --html`

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
    ("JPEG quality", "jpeg_quality", "num"),
    ("P(compressed)", "p_compressed", "num"),
    ("seconds", "seconds", "num"),
    ("verdict", None, None),
)


def upscale_words(p_upscaled, *, threshold=0.5):
    """The upscaling verdict in words, as PatchScoreDisplay titles it.

    Parameters
    ----------
    p_upscaled : float
        The pooled probability that the image was upscaled.
    threshold : float, default=0.5
        The probability from which the verdict is "upscaled".

    Returns
    -------
    text : str
        For example ``"upscaled, P = 0.98"`` or
        ``"native, P(upscaled) = 0.03"``.
    """
    if p_upscaled >= threshold:
        return f"upscaled, P = {p_upscaled:.2f}"
    return f"native, P(upscaled) = {p_upscaled:.2f}"


def jpeg_words(quality, p_compressed, *, threshold=0.5):
    """The JPEG verdict in words.

    Parameters
    ----------
    quality : float
        The estimated JPEG quality factor of the image; NaN when the image
        has no texture to read a JPEG history from.
    p_compressed : float
        The probability that the image was ever JPEG-compressed.
    threshold : float, default=0.5
        The probability from which the quality factor is given; below it the
        image reads as never compressed, and its quality estimate means
        little.

    Returns
    -------
    text : str
        For example ``"JPEG quality ≈ 85, P(compressed) = 1.00"`` or
        ``"no JPEG history, P(compressed) = 0.01"``, or ``"JPEG history
        unknown (no texture)"``.
    """
    if quality is None or quality != quality:  # None or NaN
        return "JPEG history unknown (no texture)"
    if p_compressed >= threshold:
        return f"JPEG quality ≈ {quality:.0f}, P(compressed) = {p_compressed:.2f}"
    return f"no JPEG history, P(compressed) = {p_compressed:.2f}"


def verdict_words(record):
    """The verdicts of one record of ``skforensics analyse``, in words.

    Parameters
    ----------
    record : dict
        A record of :func:`~._analyse.analyse_one`.

    Returns
    -------
    texts : list of str
        One text per model that answered, in the order upscale, JPEG.
    """
    texts = []
    if record.get("p_upscaled") is not None:
        texts.append(upscale_words(record["p_upscaled"]))
    if record.get("p_compressed") is not None:
        # A quality of None: the image had no texture, its history is unknown.
        texts.append(jpeg_words(record.get("jpeg_quality"), record["p_compressed"]))
    return texts


def _attr(value):
    return "" if value is None else html.escape(str(value), quote=True)


def _text(value):
    return "" if value is None else html.escape(str(value), quote=False)


def _url(folder, name):
    return f"{folder}/{quote(name)}"


class HTMLReportWriter:
    """Stream records of ``skforensics analyse`` to ``report.html``.

    Use as a context manager, as :class:`~._analyse.ReportWriter`; call
    :meth:`write` once per record, in order.

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

    def _link(self, folder, name):
        """Relative URL of ``folder/name`` if that file was written, else None."""
        if folder is None or not os.path.isfile(os.path.join(folder, name)):
            return None
        rel = os.path.relpath(folder, self.output_dir).replace(os.sep, "/")
        return _url(rel, name)

    def __enter__(self):
        self._html = open(self.path, "w", encoding="utf-8")
        self._parts_path = self.path + ".part"
        self._parts = open(self._parts_path, "w+", encoding="utf-8")
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
        head += [
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
        self._html.write("\n".join(head) + "\n")
        return self

    def write(self, record):
        """Append one record: a row of the table and a section of maps.

        Parameters
        ----------
        record : dict
            A record of :func:`~._analyse.analyse_one`, whose thumbnail and
            maps (if any) are already saved.
        """
        index = record.get("index", self.n_written)  # names its thumbnail and maps
        anchor = f"f{index:05d}"
        path = record["path"]
        failed = bool(record.get("failed"))
        error = record.get("error") or ""
        self.n_failed += failed
        self.n_incomplete += bool(error) and not failed
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
            size = f"{record['height']}x{record['width']}"
            pixels = record["height"] * record["width"]
            cells.append(f'<td class="num" data-v="{pixels}">{size}</td>')
        cells.append(
            f'<td data-v="{_attr(record.get("mode"))}">{_text(record.get("mode"))}</td>'
        )
        for key, fmt in (
            ("p_upscaled", ".2f"),
            ("jpeg_quality", ".0f"),
            ("p_compressed", ".2f"),
            ("seconds", ".2f"),
        ):
            value = record.get(key)
            shown = "" if value is None else format(value, fmt)
            cells.append(f'<td class="num" data-v="{_attr(value)}">{shown}</td>')
        verdict = "; ".join(_text(w) for w in words)
        if error:
            verdict += (
                "<br>" if verdict else ""
            ) + f'<span class="error">{_text(error)}</span>'
        cells.append(f"<td>{verdict}</td>")
        self._html.write("<tr>" + "".join(cells) + "</tr>\n")
        self._html.flush()

        section = [
            f'<section class="file" id="{anchor}">',
            f'<h2>{index}. <span class="path">{_text(path)}</span></h2>',
        ]
        if words:
            section.append(
                f'<p class="verdict">{" · ".join(_text(w) for w in words)}</p>'
            )
        if error:
            section.append(f'<p class="error">{_text(error)}</p>')
        figures = []
        if thumb:
            size = (
                ""
                if record.get("height") is None
                else (
                    f", {record['height']}x{record['width']} {record.get('mode') or ''}"
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

    def __exit__(self, *exc_info):
        self._html.write("</tbody>\n</table>\n")
        self._html.write(
            f'<p id="summary">{self.n_written} files, {self.n_failed} failed, '
            f"{self.n_incomplete} with a model that could not answer.</p>\n"
        )
        self._parts.seek(0)
        shutil.copyfileobj(self._parts, self._html)
        self._parts.close()
        os.remove(self._parts_path)
        self._html.write("</body>\n</html>\n")
        self._html.close()
        return False
