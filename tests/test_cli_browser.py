"""``report.html`` opened in a real browser: headless Chromium (issue 24, part 6).

Skipped, with the reason, where no Chromium is installed (Debian:
``apt-get install chromium``). The page is driven without a WebDriver: a
copy of the report beside it carries a few lines of script that, once the
page has loaded, make every image load, read whether each one decoded, and
click the heading of a score column twice; Chromium's ``--dump-dom`` prints
the page with the script's findings in it.
"""

import html
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from skforensics.cli import main

CHROMIUM = next(
    (
        path
        for path in map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))
        if path
    ),
    None,
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)"
)

# Flags for a headless browser that touches nothing outside the test.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

PROBE = """
<script>
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var pending = images.map(function (img) {
    return new Promise(function (done) {
      if (img.complete && img.naturalWidth) { done(); return; }
      img.addEventListener("load", done);
      img.addEventListener("error", done);
      img.loading = "eager";  // images below the fold load too
    });
  });
  Promise.all(pending).then(function () {
    var headings = Array.prototype.slice.call(document.querySelectorAll("th"));
    var th = headings.filter(function (h) { return h.textContent === "P(upscaled)"; })[0];
    function column() {
      return Array.prototype.map.call(
        document.getElementById("files").tBodies[0].rows,
        function (row) { return row.cells[th.cellIndex].dataset.v; });
    }
    var found = {images: images.map(function (img) {
      return [img.getAttribute("src"), img.complete && img.naturalWidth > 0];
    })};
    th.click(); found.asc = column(); found.ascMark = th.dataset.order;
    th.click(); found.desc = column(); found.descMark = th.dataset.order;
    var out = document.createElement("pre");
    out.id = "probe";
    out.textContent = JSON.stringify(found);
    document.body.appendChild(out);
  });
});
</script>
"""


def _chromium(tmp_path, *args):
    profile = tmp_path / "profile"  # a fresh profile each run
    argv = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def _photo(size, seed):
    from skforensics.datasets import load_sample_images

    photos = load_sample_images(as_gray=False)
    photo = photos[seed % len(photos)][:size, :size]
    return np.round(photo * 255).astype(np.uint8)


def test_report_in_headless_chromium(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    pytest.importorskip("matplotlib")
    root = tmp_path / "photos"
    root.mkdir()
    Image.fromarray(_photo(96, 4)).save(root / "coffee.png")
    Image.fromarray(_photo(128, 0)).save(root / "first jpeg.jpg", quality=60)
    Image.fromarray(_photo(96, 2)[::2, ::2]).resize((144, 144)).save(root / "up.png")
    (root / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    out = tmp_path / "report"
    argv = ["analyse", str(root), "-q", "-o", str(out), "--html"]
    assert main(argv + ["--jpeg-model", "jpeg-quality-fast"]) == 0

    page = (out / "report.html").read_text(encoding="utf-8")
    probe = out / "report.probe.html"  # beside it: the relative links hold
    probe.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    result = _chromium(
        tmp_path, "--virtual-time-budget=20000", "--dump-dom", probe.as_uri()
    )
    match = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout, re.S)
    assert match, f"the page's script did not run: {result.stderr[-2000:]}"
    found = json.loads(html.unescape(match.group(1)))

    # Every image (thumbnails and maps) loads and decodes in the browser.
    images = dict(found["images"])
    assert len(images) == 3 + 3 * 2  # 3 thumbnails, and 2 maps per good file
    assert all(images.values()), [src for src, ok in images.items() if not ok]
    # Clicking the P(upscaled) heading sorts the rows by it, as numbers,
    # empty cells last; a second click reverses.
    numbers = [float(v) for v in found["asc"] if v != ""]
    assert len(numbers) == 3 and found["asc"][-1] == ""
    assert numbers == sorted(numbers) and found["ascMark"] == "asc"
    assert [float(v) for v in found["desc"] if v] == sorted(numbers, reverse=True)
    assert found["desc"][-1] == "" and found["descMark"] == "desc"


def test_screenshot_of_the_report(tmp_path):
    # What the docs show: headless Chromium draws the page into a PNG.
    (tmp_path / "page.html").write_text(
        "<!DOCTYPE html><html><body style='background:#fff'>"
        "<h1>report</h1></body></html>",
        encoding="utf-8",
    )
    shot = tmp_path / "shot.png"
    result = _chromium(
        tmp_path,
        f"--screenshot={shot}",
        "--window-size=400,300",
        "--hide-scrollbars",
        (tmp_path / "page.html").as_uri(),
    )
    assert shot.is_file(), result.stderr[-2000:]
    with Image.open(shot) as img:
        assert img.size == (400, 300)
        pixels = np.asarray(img.convert("L"))
    assert pixels.min() < 100 and np.median(pixels) > 200  # dark text on white
    os.remove(shot)
