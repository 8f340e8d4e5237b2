"""The ledger: an append-only event log (fsynced, locked, repaired after a crash), folded into
state, with CSV views. Layers: `schema`/`events` and `state` are pure; `store`, `fileio`,
`locking` and `views` do the I/O. docs/ledger.md describes the files and the events.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Where each name lives: imported on first use (PEP 562), so that a module needing only
#: `ledger.records` (the scheduler's slots, `pipeline validate`) does not load the store and
#: filelock with it.
_HOMES = {
    "LedgerLocked": "locking",
    "DisconnectedProfile": "records",
    "FiguresRow": "records",
    "LedgerState": "records",
    "MediaRecord": "records",
    "PostDetail": "records",
    "RunRecord": "records",
    "UploadRecord": "records",
    "SCHEMA_VERSION": "schema",
    "Event": "schema",
    "EventError": "schema",
    "LedgerError": "schema",
    "migrate": "schema",
    "fold": "state",
    "Ledger": "store",
    "LedgerCorrupt": "store",
    "LogRead": "store",
    "TornTail": "store",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


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
