"""SIGKILL an appending process at random points: every acknowledged event survives.

The child prints an event's sequence number only after `append` returned, so every number we
read was acknowledged. Some events are 400 kB, so a kill can land in the middle of a write and
leave a torn line for the next reader to repair.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

from pipeline.ledger.store import Ledger
from tests.ledger.conftest import Children


@pytest.mark.parametrize("seed", range(3))
def test_killed_appends_lose_nothing_acknowledged(
    tmp_path: Path, children: Children, seed: int
) -> None:
    rng = random.Random(seed)
    acknowledged: dict[str, list[int]] = {}
    for _ in range(3):  # several crashes on the same ledger, each followed by a read
        child = children.start("append", tmp_path)
        assert child.stdout is not None
        seen = [int(child.stdout.readline()) for _ in range(rng.randint(1, 25))]
        time.sleep(rng.uniform(0, 0.02))  # vary where the kill lands; nothing is timed
        child.send_signal(signal.SIGKILL)
        child.wait()
        seen += [int(line) for line in child.stdout.read().split()]
        acknowledged[f"crash-{child.pid}"] = seen

        read = Ledger(tmp_path).read()  # must not raise: at worst the tail is repaired
        if read.torn is not None and not read.torn.kept:
            assert read.torn.repaired
            assert read.torn.saved_to is not None
            assert read.torn.saved_to.read_bytes().startswith(b'{"v":1,"type":"post.unknown"')
        for run, numbers in acknowledged.items():
            stored = [int(e["identity"][1:]) for e in read.events if e["run"] == run]
            # In order, without gaps, all acknowledged ones, and at most one more.
            assert stored == list(range(len(stored)))
            assert numbers == list(range(len(numbers)))
            assert len(numbers) <= len(stored) <= len(numbers) + 1
        assert Ledger(tmp_path).read().torn is None  # repaired for good


@pytest.mark.parametrize("seed", range(3))
def test_a_write_cut_short_by_the_kernel_is_repaired(
    tmp_path: Path, children: Children, seed: int
) -> None:
    """RLIMIT_FSIZE makes the kernel stop a write part-way and kill the writer (SIGXFSZ): a
    real torn line, at a random place, written by the real append."""
    events_path = tmp_path / "events.jsonl"
    limit = random.Random(seed).randint(2_000, 3_000_000)
    child = children.start("append-limit", tmp_path, str(limit))
    assert child.stdout is not None
    acknowledged = [int(line) for line in child.stdout.read().split()]
    assert child.wait() == -signal.SIGXFSZ
    cut_at = events_path.stat().st_size
    assert cut_at == limit

    read = Ledger(tmp_path).read()
    assert [int(e["identity"][1:]) for e in read.events] == acknowledged
    assert read.torn is not None and read.torn.repaired and not read.torn.kept
    assert read.torn.saved_to is not None
    kept = read.torn.saved_to.read_bytes()
    assert kept.startswith(b'{"v":1,"type":"post.unknown"')
    assert read.torn.offset + len(kept) == cut_at
    assert events_path.stat().st_size == read.torn.offset
