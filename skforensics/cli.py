"""The ``skforensics`` command: ``skforensics demo`` and ``skforensics jpeg-audit``."""

import argparse
import sys

__all__ = ["main"]


def _demo(args):
    from ._demo import run_demo

    run_demo(n_jobs=args.n_jobs, quick=args.quick)
    return 0


def _jpeg_audit(args):
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
            "a histogram and the maps."
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
    audit.add_argument("--no-maps", action="store_true", help="do not save the maps")
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
    except (FileNotFoundError, NotADirectoryError, ValueError) as exc:
        # Bad folders, missing weights: one clear line, no traceback.
        print(f"skforensics {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
