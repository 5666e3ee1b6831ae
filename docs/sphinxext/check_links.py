"""Check the internal links of the built site: every relative ``href`` and ``src``.

Run after a build (it reads only the HTML, no Sphinx)::

    python docs/sphinxext/check_links.py docs/_build/html

A link is broken when the file it names does not exist, or when its
``#fragment`` is not an ``id`` (or ``name``) in that file. Links to other
sites (``http:``, ``https:``, ``mailto:``) are not followed, nor the
theme's templates under ``_static/``. Prints each
broken link with the page that holds it and exits with status 1 if there is
any.
"""

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])
        srcset = attrs.get("srcset")
        if srcset:
            self.links += [part.split()[0] for part in srcset.split(",") if part.strip()]


def _parse(path, cache):
    if path not in cache:
        page = _Page()
        page.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = page
    return cache[path]


def broken_links(root):
    """Yield ``(page, link, why)`` for each broken internal link under ``root``."""
    root = Path(root).resolve()
    cache = {}
    for page_path in sorted(root.rglob("*.html")):
        if "_static" in page_path.relative_to(root).parts:
            continue  # the theme's templates, not pages
        page = _parse(page_path, cache)
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("javascript:", "data:")):
                continue
            target = page_path if not parts.path else (
                page_path.parent / unquote(parts.path)
            ).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                yield page_path.relative_to(root), link, "no such file"
                continue
            if parts.fragment and target.suffix == ".html":
                ids = _parse(target, cache).ids
                if unquote(parts.fragment) not in ids:
                    yield page_path.relative_to(root), link, "no such anchor"


def main(argv):
    root = argv[1] if len(argv) > 1 else "docs/_build/html"
    found = list(broken_links(root))
    for page, link, why in found:
        print(f"{page}: {link} ({why})")
    n_pages = sum(1 for p in Path(root).rglob("*.html") if "_static" not in p.parts)
    print(f"{len(found)} broken internal links in {n_pages} pages", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
