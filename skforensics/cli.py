"""The ``skforensics`` command: ``demo``, ``analyse``, ``upscale`` and ``jpeg-audit``."""

import argparse
import contextlib
import importlib
import os
import sys
import time

from . import __version__

__all__ = ["main"]

INSTALL_HINT = 'pip install "skforensics[torch]"'
# skforensics.models._pretrained.JPEG_MODELS, named here so that the parser
# does not import torch.
JPEG_WEIGHTS = ("jpeg-quality", "jpeg-quality-fast")


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

    if args.jobs == 0 or args.jobs < -1:
        raise ValueError(f"--jobs must be a positive number or -1; got {args.jobs}.")
    report = jpeg_audit(
        args.folder,
        estimator=pretrained(args.model),
        output_dir=args.output,
        save_maps=not args.no_maps,
        save_histogram=not args.no_maps,
        progress=not args.quiet,
        evidence=not args.no_evidence,
        n_jobs=args.jobs,
    )
    return 1 if report.n_failed and args.strict else 0


def _analyse(args):
    from .inspection import _analyse as an

    # Everything that can be wrong with the command line fails here, with
    # exit status 2, before the first image is read.
    models = an.parse_models(args.models)
    if args.jobs == 0 or args.jobs < -1:
        raise ValueError(f"--jobs must be a positive number or -1; got {args.jobs}.")
    output_dir = os.path.abspath(args.out)
    paths, notes = an.expand_inputs(args.paths, exclude=output_dir)
    _check_dependencies("analyse", ["torch", "skorch"])
    if not args.no_maps:
        _check_dependencies(
            "analyse (to draw the maps)", ["matplotlib"], alternative="--no-maps"
        )
    output_dir = an.check_output_dir(output_dir)
    maps_dir = thumbs_dir = None
    if not args.no_maps:
        maps_dir = os.path.join(output_dir, "maps")
        os.makedirs(maps_dir, exist_ok=True)
    if args.html:
        thumbs_dir = os.path.join(output_dir, "thumbs")
        os.makedirs(thumbs_dir, exist_ok=True)
    # Missing weights fail before the first image.
    an.load_models(models, jpeg_weights=args.jpeg_model)

    from tqdm.auto import tqdm

    table = sys.stderr if args.json else sys.stdout
    for note in notes:
        print(f"skforensics analyse: warning: {note}", file=sys.stderr)
    records = an.iter_records(
        paths,
        models=models,
        brisque=args.brisque,
        maps_dir=maps_dir,
        thumbs_dir=thumbs_dir,
        jpeg_weights=args.jpeg_model,
        n_jobs=args.jobs,
    )
    bar = tqdm(total=len(paths), desc="analyse", unit="file", disable=args.quiet)
    n_failed = n_incomplete = 0
    print(an.table_header(), file=table)
    columns = an.fields(brisque=args.brisque)
    json_stream = sys.stdout if args.json else None
    with contextlib.ExitStack() as stack:
        writers = [
            stack.enter_context(
                an.ReportWriter(output_dir, columns, json_stream=json_stream)
            )
        ]
        if args.html:
            from .inspection._report import HTMLReportWriter

            note = (
                f"{len(paths)} files; models: {', '.join(models)}; skforensics "
                f"{__version__}, {time.strftime('%Y-%m-%d %H:%M')}"
            )
            writers.append(
                stack.enter_context(
                    HTMLReportWriter(
                        output_dir, maps_dir=maps_dir, thumbs_dir=thumbs_dir, note=note
                    )
                )
            )
        for record in records:
            for writer in writers:
                writer.write(record)
            n_failed += record["failed"]
            n_incomplete += bool(record["error"]) and not record["failed"]
            bar.update()
            line = an.table_row(record)
            if args.quiet:
                print(line, file=table)
            else:
                bar.write(line, file=table)
    bar.close()
    print(
        f"{len(paths)} files, {n_failed} failed, {n_incomplete} with a model "
        f"that could not answer; report in {output_dir}",
        file=table,
    )
    return 1 if args.strict and (n_failed or n_incomplete) else 0


def _upscale(args):
    _check_dependencies("upscale", ["torch", "skorch"])
    if args.frames < 1:
        raise ValueError(f"--frames must be at least 1; got {args.frames}.")
    if args.max_tiles < 0:
        raise ValueError(f"--max-tiles must be 0 (all tiles) or more; got {args.max_tiles}.")
    from .inspection._upscale import run_upscale_command

    return run_upscale_command(args)


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

    analyse = sub.add_parser(
        "analyse",
        help="run every shipped model over image files and folders",
        description=(
            "For each image (files, folders searched recursively, or glob "
            "patterns; images only, not videos) estimate P(upscaled), the JPEG "
            "quality and P(ever JPEG-compressed), optionally the 36 BRISQUE "
            "features; print a table, write report.csv and report.json (one "
            "record per image, streamed as results come), per-image PNG "
            "maps and, with --html, report.html. Exit status: 0 done, 1 with "
            "--strict if any file failed or a model could not answer, 2 for "
            "usage errors, missing inputs and an unwritable output folder."
        ),
    )
    analyse.add_argument(
        "paths", nargs="+", metavar="PATH", help="image file, folder or glob pattern"
    )
    analyse.add_argument(
        "--models",
        default="upscale,jpeg",
        help="comma-separated models to run: upscale, jpeg (default: %(default)s)",
    )
    analyse.add_argument(
        "--jpeg-model",
        choices=JPEG_WEIGHTS,
        default="jpeg-quality",
        help="weights of the jpeg model: the accurate default or the faster, "
        "less accurate ones (default: %(default)s)",
    )
    analyse.add_argument(
        "--brisque", action="store_true", help="add the 36 BRISQUE features"
    )
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
    analyse.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=1,
        help="files analysed in parallel, -1 for all cores (default: %(default)s)",
    )
    analyse.add_argument(
        "--html",
        action="store_true",
        help="also write report.html: a table sortable by each score and each "
        "image next to its maps (thumbnails in thumbs/)",
    )
    analyse.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    analyse.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 1 if any file failed or a model could not answer",
    )
    analyse.set_defaults(func=_analyse)

    upscale = sub.add_parser(
        "upscale",
        help="tell, per image or video file, whether it was upscaled and from "
        "which native resolution",
        description=(
            "For each image or video file (folders searched recursively), "
            "print P(upscaled) and, for an upscaled file, the estimated scale "
            "factor and native resolution. A video is judged on a few frames "
            "spread over the file, keyframes first. Files that cannot be read "
            "are reported and counted; the exit status is 0 unless the "
            "command line is wrong or an input is missing (2)."
        ),
    )
    upscale.add_argument(
        "inputs", nargs="+", metavar="PATH",
        help="image or video file, folder (searched recursively) or glob pattern"
    )
    upscale.add_argument(
        "--frames", type=int, default=8,
        help="frames judged per video (default: %(default)s)",
    )
    upscale.add_argument(
        "--max-tiles", type=int, default=512,
        help="most 64x64 tiles scored per frame, 0 for all (default: %(default)s)",
    )
    upscale.add_argument(
        "--csv", default=None, metavar="FILE", help="write one row per file here"
    )
    upscale.add_argument(
        "--json", action="store_true", help="print the records as JSON instead"
    )
    upscale.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    upscale.set_defaults(func=_upscale)

    audit = sub.add_parser(
        "jpeg-audit",
        help="estimate the JPEG history of every image in a folder "
        "(the JPEG part of analyse, kept for compatibility)",
        description=(
            "For each image of FOLDER, estimate the JPEG quality it was ever "
            "compressed with and the probability that it ever was; beside the "
            "net's answer, read the evidence in the pixels (the 8x8 grid, the "
            "quantisation steps and their quality, an earlier compression) and "
            "give one verdict (compressed, never compressed, unknown) with a "
            "confidence, saying where net and evidence disagree; write a CSV, a "
            "histogram and the maps (with --no-maps, the CSV only)."
        ),
    )
    audit.add_argument("folder", help="folder of images (searched recursively)")
    audit.add_argument(
        "-o", "--output", default=None, help="where to write the report (default: FOLDER-jpeg-audit)"
    )
    audit.add_argument(
        "--model",
        choices=JPEG_WEIGHTS,
        default="jpeg-quality",
        help="shipped weights: the accurate default or the faster, less accurate "
        "ones (default: %(default)s)",
    )
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
    audit.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=1,
        help="files audited in parallel, -1 for all cores (default: %(default)s)",
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
