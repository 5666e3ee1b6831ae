"""The ``skforensics`` command: argument parsing only.

``analyse`` runs the one analysis pipeline of :mod:`skforensics.inspection`
over images, videos and folders; ``upscale`` and ``jpeg-audit`` are presets
of it (:mod:`skforensics.inspection._commands`); ``demo`` cross-validates
detectors on data the package makes. Nothing here imports torch.
"""

import argparse
import difflib
import sys

from . import __version__

__all__ = ["main"]

_FORMATTER = argparse.RawDescriptionHelpFormatter


def _demo(args):
    from ._demo import run_demo

    run_demo(n_jobs=args.n_jobs, quick=args.quick)
    return 0


def _analyse(args):
    from .inspection._commands import analyse_command

    return analyse_command(args)


def _upscale(args):
    from .inspection._commands import check_dependencies, upscale_command

    check_dependencies("upscale", ["torch", "skorch"])
    return upscale_command(args)


def _jpeg_audit(args):
    from .inspection._commands import jpeg_audit_command

    return jpeg_audit_command(args)


def _add_command(sub, name, func, *, help, description, epilog):
    """A sub-command run by ``func``, its description laid out as written."""
    command = sub.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=_FORMATTER,
    )
    command.set_defaults(func=func)
    return command


def _add_quiet(parser):
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _add_jobs(parser, what):
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=1,
        help=f"{what} in parallel, -1 for all cores (default: %(default)s)",
    )


def _add_video_options(parser):
    parser.add_argument(
        "--frames", type=int, default=8,
        help="frames of each video judged, keyframes first (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--max-tiles", type=int, default=None,
        help="most 64x64 tiles scored per frame by the upscale model, 0 for all "
        "(default: upscale_verdict's)",
    )  # fmt: skip


def _add_max_pixels(parser):
    parser.add_argument(
        "--max-pixels",
        type=int,
        default=None,
        metavar="N",
        help="refuse images of more than N pixels (a decompression-bomb guard), "
        "0 for no limit (default: Pillow's limit, about 89 million)",
    )


def _jpeg_weights_help():
    return (
        "weights of the JPEG model: jpeg-quality (the accurate default) or "
        "jpeg-quality-fast (faster, less accurate) (default: %(default)s)"
    )


ANALYSE_EXAMPLES = """\
examples:
  skforensics analyse photos/ --html          every image and video of photos/,
                                              report.html in skforensics-report/
  skforensics analyse 'shots/**/*.jpg' -o out -j 2 --no-maps
  skforensics analyse clip.mp4 --models upscale --frames 16
  skforensics analyse photos/ -o out --resume   continue an interrupted run

exit status: 0 done; 1 with --strict if a file failed or a model could not
answer; 2 for usage errors, missing inputs and an unwritable output folder.
"""

UPSCALE_EXAMPLES = """\
examples:
  skforensics upscale photo.png clip.mp4
  skforensics upscale videos/ --frames 16 --csv verdicts.csv -j 2

the same as `skforensics analyse --models upscale --no-maps`, with the
one-line verdicts and the columns of this command. Exit status: 0 done
(files that cannot be read are reported and counted), 2 for usage errors
and missing inputs.
"""

JPEG_AUDIT_EXAMPLES = """\
examples:
  skforensics jpeg-audit photos/                 report in photos-jpeg-audit/
  skforensics jpeg-audit photos/ -o audit --no-maps -j 2

the same verdicts as `skforensics analyse --models jpeg`, with the audit's
columns (jpeg_audit.csv) and histogram. Exit status: 0 done; 1 with --strict
if a file failed; 2 for usage errors and missing inputs.
"""


def build_parser():
    """The argument parser of the ``skforensics`` command."""
    parser = argparse.ArgumentParser(
        prog="skforensics",
        description="Image forensics and no-reference image quality assessment.",
        epilog="examples:\n  skforensics analyse photos/ --html\n"
        "  skforensics analyse --help",
        formatter_class=_FORMATTER,
    )
    parser.add_argument(
        "--version", action="version", version=f"skforensics {__version__}"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = _add_command(
        sub,
        "demo",
        _demo,
        help="compare forensic detectors on data the package makes",
        description=(
            "Cross-validate, by source image, detectors of upscaled images on "
            "scikit-image's sample photographs and print a results table."
        ),
        epilog="examples:\n  skforensics demo --quick\n  skforensics demo --n-jobs 2",
    )
    demo.add_argument("--n-jobs", type=int, default=2, help="parallel workers")
    demo.add_argument(
        "--quick", action="store_true", help="fewer images and epochs (a smoke run)"
    )

    analyse = _add_command(
        sub,
        "analyse",
        _analyse,
        help="run every shipped model over image and video files and folders",
        description=(
            "For each file (files, folders searched recursively, or glob "
            "patterns; images and videos) tell whether it was upscaled (P, the "
            "factor and the native size; a video on a few frames, keyframes "
            "first) and whether it was ever JPEG-compressed (the net's quality "
            "and P combined with the evidence in the pixels into one verdict "
            "with a confidence; images only), optionally the 36 BRISQUE "
            "features; print a table, write report.csv and report.json (one "
            "record per file, appended as results come, valid at any moment), "
            "per-file PNG maps and, with --html, report.html."
        ),
        epilog=ANALYSE_EXAMPLES,
    )
    analyse.add_argument(
        "paths", nargs="+", metavar="PATH",
        help="image or video file, folder or glob pattern",
    )  # fmt: skip
    analyse.add_argument(
        "--models",
        default="upscale,jpeg",
        help="comma-separated models to run: upscale, jpeg (default: %(default)s)",
    )
    analyse.add_argument(
        "--jpeg-model", default="jpeg-quality", help=_jpeg_weights_help()
    )
    analyse.add_argument(
        "--no-evidence",
        action="store_true",
        help="the JPEG net's answers only, no evidence from the pixels (faster; "
        "the verdict is then the net's, with a low confidence)",
    )
    analyse.add_argument(
        "--brisque", action="store_true", help="add the 36 BRISQUE features"
    )
    _add_video_options(analyse)
    _add_max_pixels(analyse)
    analyse.add_argument(
        "-o",
        "--out",
        default="skforensics-report",
        help="folder of report.csv, report.json, maps/ and, with --html, "
        "report.html and thumbs/ (default: %(default)s)",
    )
    analyse.add_argument(
        "--no-maps", action="store_true", help="no PNG maps (needs no matplotlib)"
    )
    analyse.add_argument(
        "--json",
        action="store_true",
        help="print the records to stdout as JSON (the table goes to stderr)",
    )
    _add_jobs(analyse, "files analysed")
    analyse.add_argument(
        "--html",
        action="store_true",
        help="also write report.html: a summary, a table sortable by each "
        "score and each image next to its maps (thumbnails in thumbs/)",
    )
    analyse.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run from the report in --out: files "
        "already recorded with the same size and modification time are skipped",
    )
    _add_quiet(analyse)
    analyse.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 1 if any file failed or a model could not answer",
    )

    upscale = _add_command(
        sub,
        "upscale",
        _upscale,
        help="tell, per image or video file, whether it was upscaled and from "
        "which native resolution (a preset of analyse)",
        description=(
            "For each image or video file (folders searched recursively), "
            "print P(upscaled) and, for an upscaled file, the estimated scale "
            "factor and native resolution. A video is judged on a few frames "
            "spread over the file, keyframes first."
        ),
        epilog=UPSCALE_EXAMPLES,
    )
    upscale.add_argument(
        "inputs", nargs="+", metavar="PATH",
        help="image or video file, folder (searched recursively) or glob pattern",
    )  # fmt: skip
    _add_video_options(upscale)
    _add_max_pixels(upscale)
    upscale.add_argument(
        "--csv", default=None, metavar="FILE", help="write one row per file here"
    )
    upscale.add_argument(
        "--json", action="store_true", help="print the records as JSON instead"
    )
    _add_jobs(upscale, "files judged")
    _add_quiet(upscale)

    audit = _add_command(
        sub,
        "jpeg-audit",
        _jpeg_audit,
        help="estimate the JPEG history of every image in a folder "
        "(a preset of analyse, with the audit's columns)",
        description=(
            "For each image of FOLDER, estimate the JPEG quality it was ever "
            "compressed with and the probability that it ever was; beside the "
            "net's answer, read the evidence in the pixels (the 8x8 grid, the "
            "quantisation steps and their quality, an earlier compression) and "
            "give one verdict (compressed, never compressed, unknown) with a "
            "confidence, saying where net and evidence disagree; write a CSV, a "
            "histogram and the maps (with --no-maps, the CSV only)."
        ),
        epilog=JPEG_AUDIT_EXAMPLES,
    )
    audit.add_argument("folder", help="folder of images (searched recursively)")
    audit.add_argument(
        "-o",
        "--out",
        "--output",
        dest="out",
        default=None,
        help="where to write the report (default: FOLDER-jpeg-audit)",
    )
    audit.add_argument("--model", default="jpeg-quality", help=_jpeg_weights_help())
    audit.add_argument(
        "--no-maps",
        action="store_true",
        help="write the CSV only: no maps and no histogram (needs no matplotlib)",
    )
    audit.add_argument(
        "--no-evidence",
        action="store_true",
        help="the net's answers only: no evidence from the pixels, no combined "
        "verdict (faster)",
    )
    _add_jobs(audit, "files audited")
    _add_quiet(audit)
    audit.add_argument(
        "--strict", action="store_true", help="exit with status 1 if any file failed"
    )
    return parser


def _commands(parser):
    """The sub-command parsers, by name."""
    (action,) = [
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    ]
    return action.choices


def _parse(parser, argv):
    """Parse ``argv``; an unknown option is answered with its sub-command's usage."""
    args, extras = parser.parse_known_args(argv)
    if extras:
        command = _commands(parser)[args.command]
        options = [s for a in command._actions for s in a.option_strings]
        hints = []
        for extra in extras:
            match = difflib.get_close_matches(extra.split("=")[0], options, n=1)
            if match and extra.startswith("-"):
                hints.append(f"{extra} (did you mean {match[0]}?)")
            else:
                hints.append(extra)
        command.error(f"unrecognized arguments: {' '.join(hints)}")
    return args


def main(argv=None):
    """Entry point of the ``skforensics`` command."""
    parser = build_parser()
    args = _parse(parser, argv)
    try:
        return args.func(args) or 0
    except (FileNotFoundError, NotADirectoryError, ValueError, ImportError) as exc:
        # Bad folders, missing weights or extras: one clear line, no traceback.
        print(f"skforensics {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
