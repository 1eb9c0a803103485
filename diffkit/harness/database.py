"""The results database: one SQLite row per case, written the moment the case finishes.

Each row is committed on its own, so an interrupted run (Ctrl-C, a killed process)
loses no finished row, and a resumed run asks :meth:`ResultsDB.done_ids` what to skip.
Scalar fields have their own columns (so the database can be queried directly); lists
and dicts (the gradient, statistics, warnings, study data) are stored as JSON. The
report reads everything back from here and nowhere else.
"""

import json
import sqlite3
import time
from pathlib import Path

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
    "forward_seconds": "REAL",
    "gradient_seconds": "REAL",
    "one_off_seconds": "REAL",
    "first_seconds": "REAL",
    "repeats": "INTEGER",
    "forward_tree_size": "INTEGER",
    "forward_dag_size": "INTEGER",
    "derivative_tree_size": "INTEGER",
    "derivative_dag_size": "INTEGER",
    "derivative_cse_size": "INTEGER",
    "nodes": "INTEGER",
    "bytes_held": "INTEGER",
    "evaluations": "INTEGER",
    "abs_error": "REAL",
    "rel_error": "REAL",
    "wall_seconds": "REAL",
    "peak_rss_mb": "REAL",
    "timeout": "REAL",
    "memory_mb": "REAL",
    "finished_at": "REAL",
}
JSON_COLUMNS = ("grad", "grad_text", "entries", "stats", "warnings", "data")
SCHEMA = {**COLUMNS, **{name: "TEXT" for name in JSON_COLUMNS}}


class ResultsDB:
    """The SQLite file of a report folder."""

    def __init__(self, path):
        path = Path(path)
        self.path = path / FILENAME if path.is_dir() or not path.suffix else path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(self.path, timeout=30)
        self.connection.row_factory = sqlite3.Row
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        columns = ", ".join(f'"{name}" {kind}' for name, kind in SCHEMA.items())
        with self.connection:
            self.connection.execute(f"CREATE TABLE IF NOT EXISTS cases ({columns})")
            self.connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")

    def write(self, row):
        """Insert or replace one finished case, committed at once."""
        record = {name: row.get(name) for name in COLUMNS}
        for name in JSON_COLUMNS:
            record[name] = json.dumps(row[name]) if row.get(name) is not None else None
        if isinstance(record["on_kink"], bool):
            record["on_kink"] = int(record["on_kink"])
        record["finished_at"] = record["finished_at"] or time.time()
        names = ", ".join(f'"{name}"' for name in record)
        marks = ", ".join("?" for _ in record)
        with self.connection:
            self.connection.execute(f"INSERT OR REPLACE INTO cases ({names}) VALUES ({marks})", list(record.values()))

    def update(self, case_id, **fields):
        """Set derived columns (e.g. errors against the reference) of one row."""
        assignments = ", ".join(f'"{name}" = ?' for name in fields)
        with self.connection:
            self.connection.execute(f"UPDATE cases SET {assignments} WHERE case_id = ?", [*fields.values(), case_id])

    def done_ids(self):
        return {r[0] for r in self.connection.execute("SELECT case_id FROM cases")}

    def rows(self):
        """Every row as a dict, JSON columns decoded, in the order cases finished."""
        cursor = self.connection.execute("SELECT * FROM cases ORDER BY finished_at, case_id")
        return [self._decode(dict(r)) for r in cursor]

    def count(self):
        return self.connection.execute("SELECT COUNT(*) FROM cases").fetchone()[0]

    def set_meta(self, **values):
        with self.connection:
            for key, value in values.items():
                self.connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def meta(self):
        return {k: json.loads(v) for k, v in self.connection.execute("SELECT key, value FROM meta")}

    def close(self):
        self.connection.close()

    @staticmethod
    def _decode(row):
        for name in JSON_COLUMNS:
            if row.get(name) is not None:
                row[name] = json.loads(row[name])
        for name in ("settings", "options"):
            row[name] = json.loads(row[name]) if row.get(name) else {}
        row["on_kink"] = bool(row.get("on_kink"))
        return row
