"""The commands ``skforensics analyse`` and its presets ``upscale`` and ``jpeg-audit``.

``skforensics.cli`` parses the command line and calls one of these with the
parsed arguments; each chooses the steps, the columns and the writers of the
one analysis pipeline (:mod:`._analyse`) and returns the exit status.
Everything that can be wrong with the command line fails with a ValueError
(exit status 2) before the first file is read.
"""

import contextlib
import importlib
import os
import sys
import time

from ._analyse import (
    BRISQUEStep,
    JPEGStep,
    UpscaleStep,
    brisque_names,
    check_output_dir,
    expand_inputs,
    file_stamp,
    iter_records,
    parse_models,
    prepare,
)

__all__ = []  # private: the command line is the public surface

INSTALL_HINT = 'pip install "skforensics[torch]"'

# The columns of report.csv and report.json, in order, whatever the models:
# a model that did not run leaves its columns empty.
FIELDS = (
    "path", "kind", "height", "width", "mode", "n_frames",
    "p_upscaled", "upscaled", "factor", "native_height", "native_width",
    "jpeg_verdict", "jpeg_confidence", "jpeg_quality", "p_compressed",
    "table_quality", "jpeg_disagreement", "resize_factor", "grid_period",
    "threshold", "seconds", "error",
    "file_size", "file_mtime", "skforensics_version", "model_versions",
)  # fmt: skip
# The columns of `skforensics upscale --csv` and --json, as before it was a preset.
UPSCALE_FIELDS = (
    "path", "kind", "height", "width", "n_frames", "p_upscaled", "upscaled",
    "factor", "native_height", "native_width", "seconds", "error",
)  # fmt: skip


def fields(*, brisque=False):
    """Columns of the report of ``skforensics analyse``, in order."""
    return FIELDS + (brisque_names() if brisque else ())


def check_dependencies(command, modules, *, alternative=None):
    """Fail with one clear line if an optional dependency is missing.

    Called before a command reads its first input, so that a missing extra
    never surfaces as a traceback half-way through a folder.

    Raises
    ------
    ImportError
        If any of ``modules`` does not import; the message names the
        modules, the ``pip install`` line that brings them and
        ``alternative``, an option that avoids the need for them.
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


def check_options(args):
    """The checks shared by the commands: --jobs, --frames and --max-tiles."""
    jobs = getattr(args, "jobs", 1)
    if jobs == 0 or jobs < -1:
        raise ValueError(f"--jobs must be a positive number or -1; got {jobs}.")
    if getattr(args, "frames", 1) < 1:
        raise ValueError(f"--frames must be at least 1; got {args.frames}.")
    if (getattr(args, "max_pixels", 0) or 0) < 0:
        raise ValueError(
            f"--max-pixels must be 0 (no limit) or more; got {args.max_pixels}."
        )
    if (getattr(args, "max_tiles", 0) or 0) < 0:
        raise ValueError(
            f"--max-tiles must be 0 (all tiles) or more; got {args.max_tiles}."
        )


def check_jpeg_weights(name, option):
    """Refuse a ``--jpeg-model``/``--model`` that is not a shipped JPEG model."""
    from ..models._pretrained import JPEG_MODELS

    if name not in JPEG_MODELS:
        raise ValueError(
            f"{option} must be one of {', '.join(JPEG_MODELS)}; got {name!r}."
        )


def _max_pixels(args):
    """``--max-pixels`` as read_image takes it: None (Pillow's) -> "pillow", 0 -> None."""
    value = getattr(args, "max_pixels", None)
    if value is None:
        return "pillow"
    return value or None


def _upscale_step(args):
    max_tiles = args.max_tiles
    if max_tiles is not None:
        max_tiles = max_tiles or None  # 0: every tile
    else:
        max_tiles = "default"
    return UpscaleStep("upscale-factor", n_frames=args.frames, max_tiles=max_tiles)


# -- analyse ---------------------------------------------------------------

_TABLE = (
    "{path:<36} {size:>9} {mode:<10} {up:>6} {x:>5} {jv:<24} {conf:<6} {q:>4} "
    "{jp:>6} {sec:>6}  {note}"
)


def table_header():
    """Header line of the terminal table."""
    return _TABLE.format(
        path="path", size="size", mode="mode", up="P(up)", x="x", jv="JPEG verdict",
        conf="conf", q="Q", jp="P(jpg)", sec="time", note="",
    ).rstrip()  # fmt: skip


def table_row(record):
    """One line of the terminal table for ``record``."""

    def num(value, fmt):
        return "-" if value is None else format(value, fmt)

    path = record["path"]
    if len(path) > 36:
        path = "..." + path[-33:]
    # Width x height, as video sizes are written (1920x1080).
    size = "" if record["height"] is None else f"{record['width']}x{record['height']}"
    note = record["error"]
    record = {key: record.get(key) for key in FIELDS}
    if len(note) > 90:
        note = note[:87] + "..."
    factor = record.get("factor") if record.get("upscaled") else None
    return _TABLE.format(
        path=path,
        size=size,
        mode=record["mode"] or "",
        up=num(record["p_upscaled"], ".2f"),
        x=num(factor, "g"),
        jv=record.get("jpeg_verdict") or "-",
        conf=record.get("jpeg_confidence") or "-",
        q=num(record["jpeg_quality"], ".0f"),
        jp=num(record["p_compressed"], ".2f"),
        sec=f"{record['seconds']:.2f}s",
        note=note,
    ).rstrip()


def _resume(output_dir, columns, paths):
    """The records to keep from an earlier run, and the ``(index, path)`` still to do.

    A record is kept when its file is unchanged (same size and modification
    time) or no longer among the inputs; a file recorded twice keeps its
    last record.
    """
    from ._records import load_records

    position = {path: i for i, path in enumerate(paths)}
    kept = {}
    for record in load_records(output_dir, columns):
        path = record["path"]
        stamp = (record.get("file_size"), record.get("file_mtime"))
        if path in position and stamp != file_stamp(path):
            kept.pop(path, None)  # changed since: analysed again
            continue
        kept[path] = record
    extra = len(paths)
    for path, record in kept.items():
        if path in position:
            record["index"] = position[path]
        else:
            record["index"], extra = extra, extra + 1
        record["failed"] = bool(record.get("error")) and record.get("height") is None
    todo = [(i, path) for i, path in enumerate(paths) if path not in kept]
    return list(kept.values()), todo


def analyse_command(args):
    """``skforensics analyse``: one record per file, to the terminal and the report."""
    from .. import __version__

    # Everything that can be wrong with the command line fails here, with
    # exit status 2, before the first file is read.
    models = parse_models(args.models)
    check_options(args)
    output_dir = os.path.abspath(args.out)
    paths, notes = expand_inputs(args.paths, exclude=output_dir)
    check_dependencies("analyse", ["torch", "skorch"])
    if not args.no_maps:
        check_dependencies(
            "analyse (to draw the maps)", ["matplotlib"], alternative="--no-maps"
        )
    if "jpeg" in models:
        check_jpeg_weights(args.jpeg_model, "--jpeg-model")
    output_dir = check_output_dir(output_dir)
    columns = fields(brisque=args.brisque)
    previous, todo = [], list(enumerate(paths))
    if args.resume:
        previous, todo = _resume(output_dir, columns, paths)
    maps_dir = thumbs_dir = None
    if not args.no_maps:
        maps_dir = os.path.join(output_dir, "maps")
        os.makedirs(maps_dir, exist_ok=True)
    if args.html:
        thumbs_dir = os.path.join(output_dir, "thumbs")
        os.makedirs(thumbs_dir, exist_ok=True)
    steps = []
    if "upscale" in models:
        steps.append(_upscale_step(args))
    if "jpeg" in models:
        steps.append(JPEGStep(args.jpeg_model, evidence=not args.no_evidence))
    if args.brisque:
        steps.append(BRISQUEStep())
    # Missing weights fail before the first file.
    prepare(steps, draw=False)

    from tqdm.auto import tqdm

    table = sys.stderr if args.json else sys.stdout
    for note in notes:
        print(f"skforensics analyse: warning: {note}", file=sys.stderr)
    if args.resume:
        print(
            f"skforensics analyse: resuming: {len(previous)} files already in the "
            f"report, {len(todo)} to analyse",
            file=sys.stderr,
        )
    records = iter_records(
        todo,
        steps=steps,
        maps_dir=maps_dir,
        thumbs_dir=thumbs_dir,
        n_jobs=args.jobs,
        max_pixels=_max_pixels(args),
    )
    bar = tqdm(total=len(todo), desc="analyse", unit="file", disable=args.quiet)
    n_failed = sum(r["failed"] for r in previous)
    n_incomplete = sum(bool(r.get("error")) and not r["failed"] for r in previous)
    print(table_header(), file=table)
    json_stream = sys.stdout if args.json else None
    with contextlib.ExitStack() as stack:
        writers = [
            stack.enter_context(
                _report_writer(output_dir, columns, json_stream, previous)
            )
        ]
        if args.html:
            from ._report import HTMLReportWriter

            note = (
                f"{len(paths)} files; models: {', '.join(models)}; skforensics "
                f"{__version__}, {time.strftime('%Y-%m-%d %H:%M')}"
            )
            html = stack.enter_context(
                HTMLReportWriter(
                    output_dir, maps_dir=maps_dir, thumbs_dir=thumbs_dir, note=note
                )
            )
            for record in previous:
                html.write(record)
            writers.append(html)
        for record in records:
            for writer in writers:
                writer.write(record)
            n_failed += record["failed"]
            n_incomplete += bool(record["error"]) and not record["failed"]
            bar.update()
            line = table_row(record)
            if args.quiet:
                print(line, file=table)
            else:
                bar.write(line, file=table)
    bar.close()
    print(
        f"{len(previous) + len(todo)} files, {n_failed} failed, {n_incomplete} with "
        f"a model that could not answer; report in {output_dir}",
        file=table,
    )
    return 1 if args.strict and (n_failed or n_incomplete) else 0


def _report_writer(output_dir, columns, json_stream, previous):
    from ._records import ReportWriter

    return ReportWriter(output_dir, columns, json_stream=json_stream, records=previous)


# -- The presets -------------------------------------------------------------


def upscale_command(args, out=None):
    """``skforensics upscale``: the analysis pipeline with the upscale step alone.

    One line per file (``<path>: <width>x<height>, <verdict>``), the rows of
    :data:`UPSCALE_FIELDS` streamed to ``--csv`` or printed as JSON. Returns
    the exit code: 0 when done (files that could not be judged are reported
    and counted), 2 for usage errors and missing inputs.
    """
    import csv
    import json

    from ._upscale import NOT_JUDGED, factor_words

    out = sys.stdout if out is None else out
    try:
        check_options(args)
        paths, _ = expand_inputs(args.inputs)
    except (FileNotFoundError, ValueError) as exc:
        print(f"skforensics upscale: error: {exc}", file=sys.stderr)
        return 2
    steps = prepare([_upscale_step(args)], draw=False)
    progress = None
    if not args.quiet and not args.json:
        from tqdm.auto import tqdm

        progress = tqdm(total=len(paths), unit="file", file=sys.stderr)
    rows, n_failed = [], 0
    with contextlib.ExitStack() as stack:
        writer = None
        if args.csv:
            handle = stack.enter_context(open(args.csv, "w", newline=""))
            writer = csv.DictWriter(handle, UPSCALE_FIELDS)
            writer.writeheader()
        if progress:
            stack.callback(progress.close)
        records = iter_records(
            enumerate(paths),
            steps=steps,
            n_jobs=getattr(args, "jobs", 1),
            max_pixels=_max_pixels(args),
        )
        for record in records:
            row = {
                k: "" if record.get(k) is None else record[k] for k in UPSCALE_FIELDS
            }
            if record["p_upscaled"] is None:
                n_failed += 1
                row["error"] = row["error"] or "no answer"
                line = f"{record['path']}: could not be judged ({row['error']})"
                if row["error"] == f"upscale: {NOT_JUDGED}":
                    line = f"{record['path']}: {NOT_JUDGED}"
            else:
                row["upscaled"] = int(record["upscaled"])
                line = (
                    f"{record['path']}: {record['width']}x{record['height']}, "
                    f"{factor_words(record)}"
                )
            rows.append(row)
            if writer:
                writer.writerow(row)
                handle.flush()
            if not args.json:
                (progress.write if progress else print)(line, file=out)
            if progress:
                progress.update()
    if args.json:
        json.dump(rows, out, indent=1)
        out.write("\n")
    elif n_failed:
        print(f"{n_failed} of {len(paths)} files could not be judged.", file=out)
    return 0


def jpeg_audit_command(args):
    """``skforensics jpeg-audit``: the analysis pipeline with the JPEG step alone,
    as :func:`~skforensics.inspection.jpeg_audit`; returns the exit status."""
    check_dependencies("jpeg-audit", ["torch", "skorch"])
    if not args.no_maps:
        check_dependencies(
            "jpeg-audit (to draw the maps and the histogram)",
            ["matplotlib"],
            alternative="--no-maps",
        )
    check_options(args)
    check_jpeg_weights(args.model, "--model")
    from ..models import pretrained
    from ._jpeg_audit import jpeg_audit

    report = jpeg_audit(
        args.folder,
        estimator=pretrained(args.model),
        output_dir=args.out,
        save_maps=not args.no_maps,
        save_histogram=not args.no_maps,
        progress=not args.quiet,
        evidence=not args.no_evidence,
        n_jobs=args.jobs,
    )
    return 1 if report.n_failed and args.strict else 0
