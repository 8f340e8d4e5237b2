"""Processes the ledger tests start, kill and inspect: `python -m tests.ledger.child MODE DIR`.

- hold: take the ledger's lock, say "locked", then wait (until killed or stdin closes).
- append: append events forever, printing each one's sequence number once append returned.
- append-limit: the same, under RLIMIT_FSIZE = DIR's 3rd argument: the write that crosses it is
  cut short by the kernel, and the next one kills the process with SIGXFSZ (a crash mid-write).
- atomic-kill: rewrite DIR/results.csv with write_atomic, dying by SIGKILL at its fsync
  (after the temp file is written, before os.replace).
"""

from __future__ import annotations

import os
import random
import resource
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from pipeline.ledger import events as ev
from pipeline.ledger.fileio import write_atomic
from pipeline.ledger.store import Ledger


def hold(directory: str) -> None:
    ledger = Ledger(directory)
    with ledger.lock(command="pipeline publish schedules/"):
        print("locked", flush=True)
        sys.stdin.read()


def append_limited(directory: str, limit: str) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it; the default kills
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # die without leaving a core file
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), int(limit)))
    append(directory)


def append(directory: str) -> None:
    ledger = Ledger(directory)
    rng = random.Random(os.getpid())
    with ledger.lock():
        print("locked", flush=True)
        seq = 0
        while True:
            # Some events are large, so that a kill can land in the middle of one write.
            size = rng.choice([10, 100, 1000, 300_000])
            run = f"crash-{os.getpid()}"
            event = ev.PostUnknown(run=run, identity=f"p{seq}", reason="x", message="m" * size)
            ledger.append(event)
            print(seq, flush=True)
            seq += 1


def atomic_kill(directory: str) -> None:
    def die(fd: int) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    write_atomic(Path(directory) / "results.csv", b"new,contents\n", fsync=die)


if __name__ == "__main__":
    mode, target, *more = sys.argv[1:]
    modes: dict[str, Callable[..., None]] = {
        "hold": hold,
        "append": append,
        "append-limit": append_limited,
        "atomic-kill": atomic_kill,
    }
    modes[mode](target, *more)
