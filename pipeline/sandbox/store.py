"""The sandbox's state: in memory, written through to SQLite with `--state FILE`.

Every record lives in a dict in memory; with a file, each change is also written as one JSON row
(table, key) -> value, so a restart reads the same state back. One row per record keeps the file
readable with the sqlite3 shell and the code free of a schema to migrate.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, TypeVar

from pipeline.sandbox.records import Delivery, IdemRecord, MediaRecord, PostRecord, ScheduledRecord

R = TypeVar("R")

TABLES: dict[str, type[Any]] = {
    "posts": PostRecord,
    "scheduled": ScheduledRecord,
    "media": MediaRecord,
    "idempotency": IdemRecord,
    "deliveries": Delivery,
}
STATE_VERSION = 1


def _decode(cls: type[R], data: dict[str, Any]) -> R:
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    values = {k: v for k, v in data.items() if k in names}
    for name in ("statuses", "media_ids"):
        if isinstance(values.get(name), list):
            values[name] = tuple(values[name])
    return cls(**values)


class SqliteBackend:
    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS records "
            "(tbl TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (tbl, key))"
        )

    def put(self, table: str, key: str, value: Any) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO records (tbl, key, value) VALUES (?, ?, ?)",
            (table, key, json.dumps(value, separators=(",", ":"))),
        )

    def delete(self, table: str, key: str) -> None:
        self._db.execute("DELETE FROM records WHERE tbl = ? AND key = ?", (table, key))

    def clear(self) -> None:
        self._db.execute("DELETE FROM records")

    def rows(self, table: str) -> list[tuple[str, Any]]:
        cursor = self._db.execute("SELECT key, value FROM records WHERE tbl = ?", (table,))
        return [(key, json.loads(value)) for key, value in cursor.fetchall()]

    def close(self) -> None:
        self._db.close()


class State:
    """All records, by table and id. `backend` is None for a sandbox kept in memory only."""

    def __init__(self, backend: SqliteBackend | None = None) -> None:
        self.backend = backend
        self.posts: dict[str, PostRecord] = {}
        self.scheduled: dict[str, ScheduledRecord] = {}
        self.media: dict[str, MediaRecord] = {}
        self.idempotency: dict[str, IdemRecord] = {}
        self.deliveries: dict[str, Delivery] = {}
        #: Last post per "account|platform", last import per account (sandbox seconds).
        self.throttle: dict[str, float] = {}
        self.counters: Counter[str] = Counter()
        self.meta: dict[str, Any] = {}
        if backend is not None:
            self._load(backend)

    @classmethod
    def open(cls, path: str | Path | None) -> State:
        return cls(SqliteBackend(path) if path else None)

    def _load(self, backend: SqliteBackend) -> None:
        for table, cls in TABLES.items():
            target: dict[str, Any] = getattr(self, table)
            for key, value in backend.rows(table):
                target[key] = _decode(cls, value)
        self.throttle.update({k: float(v) for k, v in backend.rows("throttle")})
        self.counters.update({k: int(v) for k, v in backend.rows("counters")})
        self.meta.update(dict(backend.rows("meta")))

    def _write(self, table: str, key: str, value: Any) -> None:
        if self.backend is not None:
            self.backend.put(table, key, value)

    def save(self, record: Any) -> None:
        """Stores a record (new or changed) under its id."""
        table, key = self._place(record)
        getattr(self, table)[key] = record
        self._write(table, key, asdict(record))

    def remove(self, record: Any) -> None:
        table, key = self._place(record)
        getattr(self, table).pop(key, None)
        if self.backend is not None:
            self.backend.delete(table, key)

    @staticmethod
    def _place(record: Any) -> tuple[str, str]:
        if isinstance(record, PostRecord | ScheduledRecord):
            return ("posts" if isinstance(record, PostRecord) else "scheduled"), record.id
        if isinstance(record, MediaRecord):
            return "media", record.file_id
        if isinstance(record, IdemRecord):
            return "idempotency", f"{record.scope}|{record.key}"
        if isinstance(record, Delivery):
            return "deliveries", record.id
        raise TypeError(f"not a sandbox record: {type(record).__name__}")

    def set_throttle(self, key: str, when: float) -> None:
        self.throttle[key] = when
        self._write("throttle", key, when)

    def count(self, name: str, amount: int = 1) -> None:
        self.counters[name] += amount
        self._write("counters", name, self.counters[name])

    def set_meta(self, name: str, value: Any) -> None:
        self.meta[name] = value
        self._write("meta", name, value)

    def reset(self) -> None:
        """Forgets everything (the admin reset); the engine then sets the clock back."""
        offset = self.meta.get("clock_offset")
        for table in (*TABLES, "throttle", "counters", "meta"):
            getattr(self, table).clear()
        if self.backend is not None:
            self.backend.clear()
        if offset is not None:
            self.set_meta("clock_offset", offset)

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
