"""The results database: one SQLite row per case, written the moment the case finishes.

Each row is committed on its own, so an interrupted run (Ctrl-C, a killed process)
loses no finished row, and a resumed run asks :meth:`ResultsDB.done_ids` what to skip.
Scalar fields have their own columns (so the database can be queried directly); lists
and dicts (the gradient, statistics, warnings, study data) are stored as JSON. The
report reads everything back from here and nowhere else.

The path given to :class:`ResultsDB` is always the report *folder* (a name with a dot,
such as ``run.v2``, is a folder too); the file inside it is ``results.sqlite``. A folder
that is a file or cannot be created, and a ``results.sqlite`` that is not a diffkit
database (a folder of that name, a file SQLite cannot read, tables without diffkit's
columns), are :class:`~diffkit.errors.InputError`s naming the path and the fix, raised
when the database is opened, before any case runs. A row or meta value that is not
valid JSON (a damaged or hand-edited file) is left out of what is read back and named
in :attr:`ResultsDB.unreadable`, so a report can still be built from the rest.
"""

import json
import sqlite3
import time
from pathlib import Path

import numpy as np

from .. import errors
from ..core.values import short_repr

FILENAME = "results.sqlite"

COLUMNS = {
    "case_id": "TEXT PRIMARY KEY",
    "program_key": "TEXT",
    "program": "TEXT",
    "method": "TEXT",
    "kind": "TEXT",
    "source": "TEXT",
    "settings": "TEXT",
    "options": "TEXT",
    "ladder": "TEXT",
    "rung": "INTEGER",
    "family": "TEXT",
    "description": "TEXT",
    "params": "INTEGER",
    "depth": "INTEGER",
    "control_flow": "TEXT",
    "on_kink": "INTEGER",
    "status": "TEXT",
    "reason": "TEXT",
    "value": "REAL",
    "value_text": "TEXT",
    "forward_seconds": "REAL",  # timings: the median over rounds, its quartiles and extremes
    "forward_q1": "REAL",
    "forward_q3": "REAL",
    "forward_min": "REAL",
    "forward_max": "REAL",
    "forward_loops": "INTEGER",  # calls per sample
    "gradient_seconds": "REAL",
    "gradient_q1": "REAL",
    "gradient_q3": "REAL",
    "gradient_min": "REAL",
    "gradient_max": "REAL",
    "gradient_loops": "INTEGER",
    "repeats": "INTEGER",  # rounds: one sample of the forward pass and of the gradient each
    "forward_passes": "REAL",  # the gradient's cost in forward passes, round by round: median, quartiles
    "forward_passes_q1": "REAL",
    "forward_passes_q3": "REAL",
    "one_off_seconds": "REAL",
    "first_seconds": "REAL",
    "forward_tree_size": "INTEGER",
    "forward_dag_size": "INTEGER",
    "derivative_tree_size": "INTEGER",
    "derivative_dag_size": "INTEGER",
    "derivative_cse_size": "INTEGER",
    "nodes": "INTEGER",
    "bytes_held": "INTEGER",
    "evaluations": "INTEGER",
    "error_estimate_max": "REAL",
    "abs_error": "REAL",
    "rel_error": "REAL",
    "wall_seconds": "REAL",
    "peak_rss_mb": "REAL",
    "timeout": "REAL",
    "memory_mb": "REAL",
    "finished_at": "REAL",
}
JSON_COLUMNS = (
    "grad", "grad_text", "entries", "stats", "warnings", "data",
    "error_estimate", "rounding_error", "entry_steps", "entry_errors",  # per gradient entry
)
SCHEMA = {**COLUMNS, **{name: "TEXT" for name in JSON_COLUMNS}}
# Columns newer than the first stored reports: added to an older database when it is opened.
ADDED_LATER = (
    "error_estimate_max", "error_estimate", "rounding_error", "entry_steps", "entry_errors",
    "forward_q1", "forward_q3", "forward_min", "forward_max", "forward_loops", "gradient_q1", "gradient_q3",
    "gradient_min", "gradient_max", "gradient_loops", "forward_passes", "forward_passes_q1", "forward_passes_q3",
)


def _plain(value):
    """A NumPy number or array as the Python number or list JSON writes (a study's results)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _dumps(value):
    return json.dumps(value, default=_plain)


def make_folder(folder, option="--out", kind="report folder"):
    """Create the ``kind`` (and its parents) unless it exists; an InputError naming ``option`` if it cannot be."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise errors.InputError(
            f"the {kind} {folder} is an existing file, not a folder: give {option} a folder "
            "(it is created if missing), or move the file away"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise errors.InputError(
            f"cannot create the {kind} {folder} ({exc.strerror or exc}): give {option} a folder "
            "in a place you can write to"
        ) from None
    return folder


def _not_a_database(path, cause, create):
    """The error for a results.sqlite that SQLite cannot read or that lacks diffkit's tables."""
    fix = ("delete it (or give --out another folder) to start a new run there" if create else
           f"delete it and rerun the suite with 'diffkit report --out {path.parent}', or pass --from the "
           "folder of an earlier diffkit run")
    return errors.InputError(f"{path} is not a diffkit results database ({cause}): {fix}")


class ResultsDB:
    """The SQLite file ``results.sqlite`` in a report folder.

    ``create`` (for a run) makes the folder and the tables when missing; without it (to
    rebuild a report) the file must already exist and hold diffkit's tables.
    """

    def __init__(self, folder, create=True):
        folder = make_folder(folder) if create else Path(folder)
        self.path = folder / FILENAME
        self.unreadable = []  # what rows() and meta() could not decode, one sentence each
        if self.path.exists() and not self.path.is_file():
            raise _not_a_database(self.path, "it is a folder", create)
        if not create and not self.path.is_file():
            raise errors.InputError(
                f"{folder} has no {FILENAME}: run 'diffkit report --out {folder}' first, or pass "
                "the folder of an earlier run to --from"
            )
        self.connection = sqlite3.connect(self.path, timeout=30)
        try:
            self._prepare(create)
        except sqlite3.OperationalError as exc:  # the file is fine, but cannot be used now
            self.connection.close()
            raise errors.InputError(f"cannot use {self.path} ({exc}): check that its folder is writable "
                                    "and that no other diffkit run is writing to it") from None
        except sqlite3.DatabaseError as exc:
            self.connection.close()
            raise _not_a_database(self.path, exc, create) from None

    def _prepare(self, create):
        self.connection.row_factory = sqlite3.Row
        tables = {r[0] for r in self.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if (tables or not create) and not {"cases", "meta"} <= tables:
            raise sqlite3.DatabaseError("it has no 'cases' and 'meta' tables")
        if tables:
            present = {r[1] for r in self.connection.execute("PRAGMA table_info(cases)")}
            missing = [name for name in SCHEMA if name not in present and name not in ADDED_LATER]
            if missing:
                raise sqlite3.DatabaseError(f"its cases table has no column {', '.join(missing)}")
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        columns = ", ".join(f'"{name}" {kind}' for name, kind in SCHEMA.items())
        with self.connection:
            self.connection.execute(f"CREATE TABLE IF NOT EXISTS cases ({columns})")
            self.connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            present = {r[1] for r in self.connection.execute("PRAGMA table_info(cases)")}
            for name in ADDED_LATER:  # a database of an earlier diffkit lacks them: its rows have none
                if name not in present:
                    self.connection.execute(f'ALTER TABLE cases ADD COLUMN "{name}" {SCHEMA[name]}')

    def write(self, row):
        """Insert or replace one finished case, committed at once."""
        record = {name: row.get(name) for name in COLUMNS}
        for name in JSON_COLUMNS:
            record[name] = _dumps(row[name]) if row.get(name) is not None else None
        record = {name: value.item() if isinstance(value, np.generic) else value for name, value in record.items()}
        if isinstance(record["on_kink"], bool):
            record["on_kink"] = int(record["on_kink"])
        record["finished_at"] = record["finished_at"] or time.time()
        names = ", ".join(f'"{name}"' for name in record)
        marks = ", ".join("?" for _ in record)
        with self.connection:
            self.connection.execute(f"INSERT OR REPLACE INTO cases ({names}) VALUES ({marks})", list(record.values()))

    def update(self, case_id, **fields):
        """Set derived columns (e.g. errors against the reference) of one row."""
        fields = {k: _dumps(v) if k in JSON_COLUMNS and v is not None else v for k, v in fields.items()}
        assignments = ", ".join(f'"{name}" = ?' for name in fields)
        with self.connection:
            self.connection.execute(f"UPDATE cases SET {assignments} WHERE case_id = ?", [*fields.values(), case_id])

    def done_ids(self):
        return {r[0] for r in self.connection.execute("SELECT case_id FROM cases")}

    def rows(self):
        """Every row as a dict, JSON columns decoded, in the order cases finished.

        A row with a column that does not decode is left out and named in ``unreadable``.
        """
        cursor = self.connection.execute("SELECT * FROM cases ORDER BY finished_at, case_id")
        rows = []
        for record in cursor:
            try:
                rows.append(self._decode(dict(record)))
            except _Undecodable as exc:
                self._note(f"row {record['case_id']!r} left out: {exc}")
        return rows

    def count(self):
        return self.connection.execute("SELECT COUNT(*) FROM cases").fetchone()[0]

    def set_meta(self, **values):
        with self.connection:
            for key, value in values.items():
                self.connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, _dumps(value)))

    def meta(self):
        """The run's settings (suite, limits, times). A value that does not decode, or is not of
        the kind diffkit writes (a hand-edited table), is left out and noted; the suite's name
        and description are then "?" and "(no description stored)"."""
        meta = {}
        for key, value in self.connection.execute("SELECT key, value FROM meta"):
            try:
                decoded = _json(value, "value")
            except _Undecodable as exc:
                self._note(f"meta {key!r} left out: {exc}")
                continue
            if not _meta_fits(key, decoded):
                self._note(f"meta {key!r} left out: {short_repr(decoded)} is not what diffkit writes there")
                continue
            meta[key] = decoded
        for key in ("suite", "description"):
            if key not in meta:
                self._note(f"meta {key!r} is missing")  # left out: a reader says what stands in for it
        return meta

    def _note(self, text):
        if text not in self.unreadable:
            self.unreadable.append(text)

    def close(self):
        self.connection.close()

    @staticmethod
    def _decode(row):
        for name in JSON_COLUMNS:
            if row.get(name) is not None:
                row[name] = _json(row[name], name)
        for name in ("settings", "options"):
            row[name] = _json(row[name], name) if row.get(name) else {}
            if not isinstance(row[name], dict):
                raise _Undecodable(f"its {name} is a {type(row[name]).__name__}, not a JSON object")
        row["on_kink"] = bool(row.get("on_kink"))
        return row


class _Undecodable(Exception):
    """A stored value that is not the JSON diffkit wrote."""


_NUMBER = (int, float)
_META_KINDS = {  # what the report reads from the meta table, by the kind of value diffkit writes
    "suite": str, "description": str, "clock": str, "started": _NUMBER, "finished": (*_NUMBER, type(None)),
    "timeout": _NUMBER, "memory_mb": _NUMBER, "min_time": _NUMBER, "jobs": int, "cases": int,
    "load_at_finish": (list, type(None)), "seconds": _NUMBER, "earlier_limits": list,
}
_MACHINE_FIELDS = ("cpu", "cores", "system", "python", "numpy")


def _meta_fits(key, value):
    """Whether a meta value is of the kind diffkit writes for ``key`` (an unknown key: any)."""
    if key == "machine":
        return isinstance(value, dict) and all(field in value for field in _MACHINE_FIELDS) and (
            isinstance(value.get("load_at_start"), (list, type(None))))
    if key == "load_at_finish" and isinstance(value, list):
        return bool(value) and all(isinstance(v, _NUMBER) for v in value)
    if key == "earlier_limits" and isinstance(value, list):  # [[timeout, memory_mb], ...] of earlier runs
        return all(isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, _NUMBER) for v in pair)
                   for pair in value)
    kinds = _META_KINDS.get(key)
    return kinds is None or (isinstance(value, kinds) and not isinstance(value, bool))


def _json(text, column):
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        raise _Undecodable(f"its {column} is not valid JSON ({exc})") from None
