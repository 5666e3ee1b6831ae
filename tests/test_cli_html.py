"""``skforensics analyse --html``: the report is parsed, never rendered.

No browser runs in the tests: the page is read with the standard library's
:class:`html.parser.HTMLParser`, and every claim about it is checked on the
parsed structure (one row per input, images that exist, sortable numeric
columns, the verdicts in words, failures with their reason).
"""

import base64
import json
import os
import re
from html.parser import HTMLParser
from urllib.parse import unquote

import numpy as np
import pytest
from PIL import Image

from skforensics.cli import main
from skforensics.inspection._plot._plotting import upscale_words
from skforensics.inspection._report import HTMLReportWriter, jpeg_words, verdict_words

NUMERIC = [
    "#", "size", "P(upscaled)", "factor", "JPEG quality", "P(compressed)", "seconds"
]


class ReportParser(HTMLParser):
    """Collect the table, the sections, the images, links and scripts of a page."""

    def __init__(self):
        super().__init__()
        self.headings = []  # (text, attrs) of each <th>
        self.rows = []  # per <tr> of <tbody>: list of (attrs, text) cells
        self.sections = {}  # id -> text of the section
        self.images = []  # src of every <img>
        self.links = []  # href of every <a>
        self.scripts = []  # src of <script src=...>, and "inline" for inline ones
        self.stylesheets = []  # href of every <link>
        self._stack = []
        self._cell = None
        self._th = None
        self._section = None
        self._in_tbody = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tbody":
            self._in_tbody = True
        elif tag == "tr" and self._in_tbody:
            self.rows.append([])
        elif tag == "td" and self._in_tbody:
            self._cell = [attrs, ""]
        elif tag == "th":
            self._th = [attrs, ""]
        elif tag == "section":
            self._section = attrs.get("id")
            self.sections[self._section] = ""
        elif tag == "img":
            self.images.append(attrs["src"])
        elif tag == "a":
            self.links.append(attrs["href"])
        elif tag == "script":
            self.scripts.append(attrs.get("src", "inline"))
        elif tag == "link":
            self.stylesheets.append(attrs.get("href"))

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_tbody = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append(tuple(self._cell))
            self._cell = None
        elif tag == "th" and self._th is not None:
            self.headings.append((self._th[1], self._th[0]))
            self._th = None
        elif tag == "section":
            self._section = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data
        if self._th is not None:
            self._th[1] += data
        if self._section is not None:
            self.sections[self._section] += data


def _parse(out):
    parser = ReportParser()
    with open(out / "report.html", encoding="utf-8") as f:
        parser.feed(f.read())
    parser.close()
    return parser


def _image_ok(out, src):
    """Whether ``src`` is a PNG data URI or a PNG file relative to the report."""
    if src.startswith("data:"):
        header, data = src.split(",", 1)
        assert header == "data:image/png;base64"
        return base64.b64decode(data, validate=True).startswith(b"\x89PNG")
    assert not re.match(r"^[a-z]+:|^//|^/", src), f"not a relative link: {src}"
    path = out / unquote(src)
    if not path.is_file():
        return False
    with Image.open(path) as img:
        return img.format == "PNG"


def _photo(size=96):
    from skforensics.datasets import load_sample_images

    photo = load_sample_images(as_gray=False)[4][:size, :size]  # coffee
    return np.round(photo * 255).astype(np.uint8)


@pytest.fixture
def mixed(tmp_path):
    """Good, unreadable and too-small files, with awkward names."""
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    root = tmp_path / "dossier été"
    (root / "sub folder").mkdir(parents=True)
    Image.fromarray(_photo()).save(root / "a.png")
    Image.fromarray(_photo()).save(root / "sub folder" / "café <b>&.jpg", quality=60)
    (root / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    Image.fromarray(_photo()[:40, :40]).save(root / "tiny.png")
    return root


def test_html_report_of_a_mixed_folder(mixed, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "report"
    assert main(["analyse", str(mixed), "-q", "--out", str(out), "--html"]) == 0
    with open(out / "report.json", encoding="utf-8") as f:
        records = json.load(f)
    page = _parse(out)

    # One row per input, in the order of report.json.
    headings = [text for text, _ in page.headings]
    assert headings[:3] == ["#", "image", "path"]
    assert len(page.rows) == len(records) == 4
    column = {name: i for i, name in enumerate(headings)}
    paths = [row[column["path"]][1] for row in page.rows]
    assert paths == [r["path"] for r in records]  # non-ASCII and <&> round-trip

    # Every image referenced exists (thumbnails and maps), none from the network.
    assert page.images and all(_image_ok(out, src) for src in page.images)
    assert page.scripts == ["inline"] and page.stylesheets == []
    for href in page.links:
        if href.startswith("#"):
            assert href[1:] in page.sections
        else:
            assert _image_ok(out, href)
    # The good files show the image next to both maps; the others don't.
    by_name = {os.path.basename(r["path"]): (i, r) for i, r in enumerate(records)}
    for name, n_maps in [("a.png", 2), ("café <b>&.jpg", 2), ("tiny.png", 0)]:
        index, record = by_name[name]
        srcs = {unquote(s) for s in page.images if f"/{index:05d}_" in s}
        assert sum(s.startswith("thumbs/") for s in srcs) == 1
        assert sum(s.startswith("maps/") for s in srcs) == n_maps
    index, _ = by_name["corrupt.png"]
    assert not [s for s in page.images if f"/{index:05d}_" in s]

    # Sortable: every numeric column has a number (or nothing) in each cell.
    for name in NUMERIC:
        attrs = page.headings[column[name]][1]
        assert attrs["data-type"] == "num" and "sortBy" in attrs["onclick"]
        for row in page.rows:
            value = row[column[name]][0]["data-v"]
            assert value == "" or np.isfinite(float(value))
    for row, record in zip(page.rows, records):
        for name, key in [
            ("P(upscaled)", "p_upscaled"),
            ("JPEG quality", "jpeg_quality"),
        ]:
            value = row[column[name]][0]["data-v"]
            assert (value == "") == (record[key] is None)
            if value:
                assert float(value) == pytest.approx(record[key])

    # Verdicts in words, and failures with their reason.
    verdict = {
        os.path.basename(r["path"]): row[column["verdict"]][1]
        for r, row in zip(records, page.rows)
    }
    a = by_name["a.png"][1]
    assert upscale_words(a["p_upscaled"]) in verdict["a.png"]
    jpeg = by_name["café <b>&.jpg"][1]
    assert re.search(
        r"JPEG quality ≈ \d+, P\(compressed\) = [01]\.\d\d", verdict["café <b>&.jpg"]
    )
    assert jpeg["p_compressed"] > 0.5  # saved at quality 60
    assert "cannot read" in verdict["corrupt.png"]
    assert "corrupt.png" in verdict["corrupt.png"]
    assert "upscale: Images must be at least 64x64" in verdict["tiny.png"]
    section = page.sections[f"f{by_name['corrupt.png'][0]:05d}"]
    assert "cannot read" in section
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "4 files, 1 failed, 1 with a model that could not answer" in text
    assert not (out / "report.html.part").exists()
    # The page opens with the summary: the counts per verdict as a chart,
    # and how to read the maps, before the table.
    assert text.index('id="summary"') < text.index('id="verdict-chart"')
    assert text.index('id="verdict-chart"') < text.index("<table")
    assert "How to read the maps" in text[: text.index("<table")]
    chart = text[text.index('id="verdict-chart"') : text.index("</svg>")]
    n_compressed = sum(r["jpeg_verdict"] == "compressed" for r in records)
    assert n_compressed >= 1  # the quality-60 JPEG
    assert ">JPEG: compressed</text>" in chart and f">{n_compressed}</text>" in chart
    assert ">file: failed</text>" in chart


def test_html_without_maps_and_with_jobs(mixed, tmp_path):
    out = tmp_path / "report"
    argv = ["analyse", str(mixed), "-q", "--out", str(out), "--html", "--no-maps"]
    assert main(argv + ["--jobs", "2"]) == 0
    page = _parse(out)
    assert len(page.rows) == 4
    assert page.images and all(src.startswith("thumbs/") for src in page.images)
    assert all(_image_ok(out, src) for src in page.images)
    assert not (out / "maps").exists()
    # A thumbnail is at most 320 pixels a side and keeps the aspect ratio.
    with Image.open(out / unquote(page.images[0])) as img:
        assert img.size == (96, 96)


def test_html_needs_the_flag(mixed, tmp_path):
    out = tmp_path / "report"
    assert (
        main(["analyse", str(mixed / "a.png"), "-q", "--out", str(out), "--no-maps"])
        == 0
    )
    assert sorted(os.listdir(out)) == ["report.csv", "report.json"]


def test_thumbnail_of_a_large_image(tmp_path):
    from skforensics.inspection._analyse import _save_thumbnail

    image = np.zeros((1000, 400), dtype=np.float32)
    image[:, 200:] = 1.5  # out of range: clipped
    _save_thumbnail(image, tmp_path / "t.png")
    with Image.open(tmp_path / "t.png") as img:
        assert img.size == (128, 320) and img.mode == "L"
        pixels = np.asarray(img)
    assert pixels[:, :60].max() == 0 and pixels[:, 68:].min() == 255


def test_long_file_names_give_short_map_names():
    from skforensics.inspection._analyse import _map_name

    name = _map_name(3, "/data/" + "x" * 300 + ".png", "upscale")
    assert len(name.encode()) < 200
    assert name.startswith("00003_xxx") and name.endswith(".png.upscale.png")
    assert _map_name(3, "/data/a.png", "jpeg") == "00003_a.png.jpeg.png"


def test_verdicts_in_words():
    assert upscale_words(0.98) == "upscaled, P = 0.98"
    assert upscale_words(0.5) == "upscaled, P = 0.50"
    assert upscale_words(0.031) == "native, P(upscaled) = 0.03"
    assert jpeg_words(85.2, 1.0) == "JPEG quality ≈ 85, P(compressed) = 1.00"
    assert jpeg_words(99.0, 0.012) == "no JPEG history, P(compressed) = 0.01"
    record = {"p_upscaled": None, "jpeg_quality": 70.4, "p_compressed": 0.9}
    assert verdict_words(record) == ["JPEG quality ≈ 70, P(compressed) = 0.90"]
    assert verdict_words(
        {"p_upscaled": 0.7, "jpeg_quality": None, "p_compressed": None}
    ) == ["upscaled, P = 0.70"]


def test_writer_streams_rows(tmp_path):
    # Rows and sections reach files on disk as they come, nothing of either
    # stays in the writer, and the page appears whole when it closes.
    def record(i, **values):
        base = {
            "path": f"img{i}.png",
            "height": 10,
            "width": 20,
            "mode": "RGB",
            "p_upscaled": 0.9,
            "upscaled": True,
            "jpeg_quality": 80.0,
            "p_compressed": 0.99,
            "seconds": 0.5,
            "error": "",
            "failed": False,
            "index": i,
        }
        base.update(values)
        return base

    writer = HTMLReportWriter(str(tmp_path), maps_dir=None, thumbs_dir=None)
    with writer:
        for i in range(50):
            writer.write(record(i))
            text = (tmp_path / "report.html.rows.part").read_text(encoding="utf-8")
            assert text.count("<tr><td") == i + 1
            assert f'id="f{i:05d}"' in (tmp_path / "report.html.part").read_text(
                encoding="utf-8"
            )
        assert not (tmp_path / "report.html").exists()
        writer.write(
            record(
                50,
                height=None,
                width=None,
                mode=None,
                p_upscaled=None,
                jpeg_quality=None,
                p_compressed=None,
                failed=True,
                error="cannot read: <broken>",
            )
        )
        writer.write(
            record(51, p_upscaled=None, upscaled=None,
                   error="upscale: not judged: the pixels look rendered (text, "
                   "charts, flat colour)")
        )
        held = [v for v in vars(writer).values() if isinstance(v, (list, dict))]
        # Only the verdict counts, one per verdict whatever the number of files.
        assert held == [writer.verdict_counts]
        assert dict(writer.verdict_counts) == {
            "upscaling: upscaled": 50, "file: failed": 1, "upscaling: not judged": 1
        }
    assert sorted(os.listdir(tmp_path)) == ["report.html"]
    page = _parse(tmp_path)
    assert len(page.rows) == 52 and len(page.sections) == 52 and page.images == []
    assert "cannot read: <broken>" in page.sections["f00050"]
    assert (
        page.rows[0][-1][1]
        == "upscaled, P = 0.90; JPEG quality ≈ 80, P(compressed) = 0.99"
    )


NODE_STUB = """
function row(values) {
  return {key: values[0], cells: values.map(function (v) {
    return {dataset: {v: v}};
  })};
}
var body = {rows: [row(["a", "0.5"]), row(["b", ""]), row(["c", "10"]),
                   row(["d", "0.1"]), row(["e", "2"])]};
body.appendChild = function (r) {
  this.rows.splice(this.rows.indexOf(r), 1);
  this.rows.push(r);
};
var headings = [];
function heading(index, type) {
  var th = {cellIndex: index, dataset: {type: type},
            closest: function () { return {tBodies: [body]}; },
            parentNode: {querySelectorAll: function () { return headings; }}};
  headings.push(th);
  return th;
}
var byName = heading(0, "text"), byScore = heading(1, "num");
function order() { return body.rows.map(function (r) { return r.key; }).join(""); }
var seen = [];
sortBy(byScore); seen.push(order(), byScore.dataset.order);
sortBy(byScore); seen.push(order(), byScore.dataset.order);
sortBy(byName); seen.push(order(), byName.dataset.order, String(byScore.dataset.order));
console.log(JSON.stringify(seen));
"""


def test_sorting_script_in_node(tmp_path):
    # The page's sorting code, run on a stub of the table where Node.js is
    # installed: numbers sort as numbers (10 after 2), empty cells stay last,
    # a second click reverses, and only the clicked heading is marked.
    import shutil
    import subprocess

    from skforensics.inspection._report import _SCRIPT

    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    script = tmp_path / "sort.js"
    script.write_text(_SCRIPT + NODE_STUB, encoding="utf-8")
    result = subprocess.run(
        [node, str(script)], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout) == [
        "daecb",
        "asc",
        "ceadb",
        "desc",
        "abcde",
        "asc",
        "undefined",
    ]
