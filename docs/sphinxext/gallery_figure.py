"""``.. gallery-figure::``: a figure of a gallery example, shown in the user guide.

sphinx-gallery runs every ``examples/<topic>/plot_<name>.py`` and saves its
figures as ``docs/auto_examples/<topic>/images/sphx_glr_plot_<name>_<NNN>.png``.
A user-guide page shows one of them with::

    .. gallery-figure:: models/plot_fake_4k_detection
       :number: 1
       :alt: tile heat maps of a native and an upscaled photograph

       The caption (optional).

The caption ends with a link to the example that drew it; the image itself
links to the full-size file (Sphinx does so for every image given a width). In a build that runs the
gallery (the default, and ``tasks.py test``) a missing image is a warning,
hence an error under ``-W``: a renamed example or a figure that an example
no longer draws cannot go unnoticed. In a quick build that does not run the
examples (``-D plot_gallery=0``) the images may not exist yet; the page then
shows a line that links to the example instead.
"""

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

GALLERY_DIR = "auto_examples"


def _gallery_runs(config):
    """Whether this build runs the examples (sphinx-gallery's ``plot_gallery``)."""
    value = getattr(config, "plot_gallery", True)
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off", "")
    return bool(value)


class GalleryFigure(SphinxDirective):
    """Show figure ``:number:`` of a gallery example, linked to the example."""

    required_arguments = 1
    optional_arguments = 0
    has_content = True
    option_spec = {
        "number": directives.positive_int,
        "alt": directives.unchanged,
        "width": directives.unchanged,
    }

    def run(self):
        example = self.arguments[0].strip().removesuffix(".py")
        topic, _, name = example.rpartition("/")
        number = self.options.get("number", 1)
        label = f"sphx_glr_{GALLERY_DIR}_{example.replace('/', '_')}.py"
        image = Path(GALLERY_DIR, topic, "images", f"sphx_glr_{name}_{number:03d}.png")
        source_dir = Path(self.env.srcdir)
        if not (source_dir / image).is_file():
            if _gallery_runs(self.config):
                logger.warning(
                    "gallery-figure: %s has no figure %d (%s not found); "
                    "check the example's name and how many figures it draws.",
                    example, number, image, location=self.get_location(),
                )
            return self._link_only(label)
        figure_text = [
            f".. figure:: /{image.as_posix()}",
            f"   :alt: {self.options.get('alt', name)}",
            f"   :width: {self.options.get('width', '100%')}",
            "",
        ]
        caption = [f"   {line}" for line in self.content] if self.content else []
        caption += ["", f"   Drawn by :ref:`{label}`."] if caption else [
            f"   Drawn by :ref:`{label}`."
        ]
        container = nodes.container()
        self.state.nested_parse(
            self._string_list(figure_text + caption), self.content_offset, container
        )
        return container.children

    def _link_only(self, label):
        paragraph = nodes.container()
        self.state.nested_parse(
            self._string_list([
                f"*(A figure of* :ref:`{label}` *is shown here when the "
                "documentation is built with the gallery.)*"
            ]),
            self.content_offset,
            paragraph,
        )
        return paragraph.children

    def _string_list(self, lines):
        from docutils.statemachine import StringList

        source = self.get_source_info()[0]
        return StringList(lines, source=source)


def setup(app):
    app.add_directive("gallery-figure", GalleryFigure)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
