"""The ledger: an append-only event log (fsynced, locked, repaired after a crash), folded into
state, with CSV views. Layers: `schema`/`events` and `state` are pure; `store`, `fileio`,
`locking` and `views` do the I/O. docs/ledger.md describes the files and the events.
"""

from __future__ import annotations

from pipeline.ledger.locking import LedgerLocked
from pipeline.ledger.records import (
    DisconnectedProfile,
    FiguresRow,
    LedgerState,
    MediaRecord,
    PostDetail,
    RunRecord,
    UploadRecord,
)
from pipeline.ledger.schema import SCHEMA_VERSION, Event, EventError, LedgerError, migrate
from pipeline.ledger.state import fold
from pipeline.ledger.store import Ledger, LedgerCorrupt, LogRead, TornTail

__all__ = [
    "SCHEMA_VERSION",
    "DisconnectedProfile",
    "Event",
    "EventError",
    "FiguresRow",
    "Ledger",
    "LedgerCorrupt",
    "LedgerError",
    "LedgerLocked",
    "LedgerState",
    "LogRead",
    "MediaRecord",
    "PostDetail",
    "RunRecord",
    "TornTail",
    "UploadRecord",
    "fold",
    "migrate",
]
