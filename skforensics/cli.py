"""The ``skforensics`` command: ``skforensics demo`` and ``skforensics jpeg-audit``."""

import argparse
import importlib
import sys

__all__ = ["main"]

INSTALL_HINT = 'pip install "skforensics[torch]"'


def _check_dependencies(command, modules, *, alternative=None):
    """Fail with one clear line if an optional dependency is missing.

    Called before a command reads its first input, so that a missing extra
    never surfaces as a traceback half-way through a folder.

    Parameters
    ----------
    command : str
        The sub-command, for the message.
    modules : list of str
        Modules the command needs beyond the core dependencies.
    alternative : str, default=None
        An option that avoids the need for the missing modules, for the
        message.

    Raises
    ------
    ImportError
        If any of ``modules`` does not import; the message names the
        modules and the ``pip install`` line that brings them.
    """
    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        names = " and ".join(missing)
        verb = "is" if len(missing) == 1 else "are"
        hint = f", or pass {alternative}" if alternative else ""
        raise ImportError(
            f"{command} needs {names}, which {verb} not installed: "
            f"{INSTALL_HINT}{hint}."
        )


def _demo(args):
    from ._demo import run_demo

    run_demo(n_jobs=args.n_jobs, quick=args.quick)
    return 0


def _jpeg_audit(args):
    _check_dependencies("jpeg-audit", ["torch", "skorch"])
    if not args.no_maps:
        _check_dependencies(
            "jpeg-audit (to draw the maps and the histogram)",
            ["matplotlib"],
            alternative="--no-maps",
        )
    from .inspection import jpeg_audit

    return jpeg_audit_cli(args, jpeg_audit)


def jpeg_audit_cli(args, jpeg_audit):
    """Run the JPEG audit from parsed arguments; return the exit status."""
    from .models import pretrained

    report = jpeg_audit(
        args.folder,
        estimator=pretrained(args.model),
        output_dir=args.output,
        save_maps=not args.no_maps,
        save_histogram=not args.no_maps,
        progress=not args.quiet,
    )
    return 1 if report.n_failed and args.strict else 0


def build_parser():
    """The argument parser of the ``skforensics`` command."""
    parser = argparse.ArgumentParser(
        prog="skforensics",
        description="Image forensics and no-reference image quality assessment.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo",
        help="compare forensic detectors on data the package makes",
        description=(
            "Cross-validate, by source image, detectors of upscaled images on "
            "scikit-image's sample photographs and print a results table."
        ),
    )
    demo.add_argument("--n-jobs", type=int, default=2, help="parallel workers")
    demo.add_argument(
        "--quick", action="store_true", help="fewer images and epochs (a smoke run)"
    )
    demo.set_defaults(func=_demo)

    audit = sub.add_parser(
        "jpeg-audit",
        help="estimate the JPEG history of every image in a folder",
        description=(
            "For each image of FOLDER, estimate the JPEG quality it was ever "
            "compressed with and the probability that it ever was; write a CSV, "
            "a histogram and the maps (with --no-maps, the CSV only)."
        ),
    )
    audit.add_argument("folder", help="folder of images (searched recursively)")
    audit.add_argument(
        "-o", "--output", default=None, help="where to write the report (default: FOLDER-jpeg-audit)"
    )
    audit.add_argument(
        "--model",
        # skforensics.models._pretrained.JPEG_MODELS, named here so that the
        # parser does not import torch.
        choices=["jpeg-quality", "jpeg-quality-fast"],
        default="jpeg-quality",
        help="shipped weights: the accurate default or the faster, less accurate "
        "ones (default: %(default)s)",
    )
    audit.add_argument(
        "--no-maps",
        action="store_true",
        help="write the CSV only: no maps and no histogram (needs no matplotlib)",
    )
    audit.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    audit.add_argument(
        "--strict", action="store_true", help="exit with status 1 if any file failed"
    )
    audit.set_defaults(func=_jpeg_audit)
    return parser


def main(argv=None):
    """Entry point of the ``skforensics`` command."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except (FileNotFoundError, NotADirectoryError, ValueError, ImportError) as exc:
        # Bad folders, missing weights or extras: one clear line, no traceback.
        print(f"skforensics {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
