"""``report.csv`` and ``report.json``: records written so that a kill never spoils them.

Each record is appended to ``report.csv`` as one complete line, in one
``write`` call, and synced to disk; ``report.json`` stays a whole JSON
array at every moment: each record is written, in one ``pwrite`` call, over
the array's closing bracket, followed by a new one. A run killed at any
moment (Ctrl-C, an out-of-memory kill, a lost SSH session) leaves both files
readable, ``report.json`` holding every record that ``report.csv`` holds,
or one fewer. ``analyse --resume`` reads ``report.json`` back
(:func:`load_records`), rewrites both files from it (write, then rename)
and appends the files still to do.
"""

import csv
import io
import json
import math
import os

__all__ = []  # private: reached through `skforensics analyse`


def _json_value(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _csv_line(columns, record):
    buffer = io.StringIO()
    csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore").writerow(
        {key: record.get(key) for key in columns}
    )
    return buffer.getvalue()


def _json_text(columns, record):
    return json.dumps(
        {key: _json_value(record.get(key)) for key in columns}, ensure_ascii=False
    )


def _pwrite(fd, data, offset):
    """``os.pwrite``, or a seek and a write where it is missing (Windows)."""
    if hasattr(os, "pwrite"):
        return os.pwrite(fd, data, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.write(fd, data)


def _replace(path, text):
    """Write ``text`` to ``path`` whole: a temporary file, synced, then renamed."""
    tmp = path + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_records(output_dir, columns):
    """The records of an earlier run's ``report.json`` (empty if there is none).

    Raises
    ------
    ValueError
        If the report cannot be read, or has other columns than ``columns``
        (an earlier run with other options); the message says what to do.
    """
    path = os.path.join(output_dir, "report.json")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        records = json.loads(text)
    except ValueError:
        # A report of an older version, cut by a kill: its records are whole.
        try:
            records = json.loads(text.rstrip().rstrip(",") + "\n]")
        except ValueError:
            raise ValueError(
                f"Cannot resume from '{path}': it is not a report of "
                "skforensics analyse; pass another --out, or run without --resume."
            ) from None
    if records and list(records[0]) != list(columns):
        raise ValueError(
            f"Cannot resume from '{path}': its columns are those of a run with "
            "other options (--models, --brisque, or another version); rerun "
            "with the same options, or without --resume to start again."
        )
    return records


class ReportWriter:
    """Append records to ``report.csv`` and ``report.json`` (and optionally stdout).

    Use as a context manager; each :meth:`write` appends one record to both
    files, synced to disk, so nothing but the current record is held and a
    kill at any moment leaves both files valid.

    Parameters
    ----------
    output_dir : str
        Folder of the two files.
    columns : sequence of str
        The columns, in order.
    json_stream : file, default=None
        Also stream the records written by this writer there, as a JSON
        array (``--json``: stdout).
    records : list of dict, default=()
        Records of an earlier run that the files start with (``--resume``).
    """

    def __init__(self, output_dir, columns, *, json_stream=None, records=()):
        self.csv_path = os.path.join(output_dir, "report.csv")
        self.json_path = os.path.join(output_dir, "report.json")
        self.columns = list(columns)
        self.json_stream = json_stream
        self.records = records
        self.n_written = 0

    def __enter__(self):
        header = io.StringIO()
        csv.writer(header).writerow(self.columns)
        _replace(
            self.csv_path,
            header.getvalue()
            + "".join(_csv_line(self.columns, r) for r in self.records),
        )
        items = [_json_text(self.columns, r) for r in self.records]
        _replace(
            self.json_path,
            "[" + ",".join("\n  " + item for item in items) + "\n]\n",
        )
        self._n_records = len(items)
        self.records = ()  # not held
        self._csv = os.open(
            self.csv_path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0)
        )
        self._json = os.open(self.json_path, os.O_RDWR | getattr(os, "O_BINARY", 0))
        self._json_size = os.fstat(self._json).st_size
        if self.json_stream is not None:
            self.json_stream.write("[")
        return self

    def write(self, record):
        """Append one record to both files (and the stream), synced."""
        os.write(self._csv, _csv_line(self.columns, record).encode("utf-8"))
        os.fsync(self._csv)
        text = _json_text(self.columns, record)
        # Over the closing "\n]\n", in one call: the array stays whole.
        chunk = (("," if self._n_records else "") + "\n  " + text + "\n]\n").encode()
        _pwrite(self._json, chunk, self._json_size - 3)
        os.fsync(self._json)
        self._json_size += len(chunk) - 3
        self._n_records += 1
        if self.json_stream is not None:
            self.json_stream.write(("," if self.n_written else "") + "\n  " + text)
            self.json_stream.flush()
        self.n_written += 1

    def __exit__(self, *exc_info):
        os.close(self._csv)
        os.close(self._json)
        if self.json_stream is not None:
            self.json_stream.write("\n]\n" if self.n_written else "]\n")
            self.json_stream.flush()
        return False
