"""A command that reads an unchanged ledger again (publish: to validate, plan and run) decodes
and folds it once; any change of content, even of the same size at once, is read afresh."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.ledger import store
from pipeline.ledger.store import Ledger
from tests.ledger.builders import intent, outcome


def _write(ledger: Ledger, *events: dict[str, object]) -> None:
    data = b"".join(json.dumps(e).encode() + b"\n" for e in events)
    ledger.events_path.write_bytes(data)


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every line decoded from now on."""
    seen: list[bytes] = []
    real = store.decode_line

    def counting(raw: bytes) -> object:
        seen.append(raw)
        return real(raw)

    monkeypatch.setattr(store, "decode_line", counting)
    return seen


def test_an_unchanged_ledger_is_decoded_and_folded_once(
    tmp_path: Path, decoded: list[bytes]
) -> None:
    ledger = Ledger(tmp_path / "ledger")
    _write(ledger, intent("p1"), outcome("p1"))
    first = ledger.state()
    again = Ledger(
        tmp_path / "ledger"
    ).state()  # another object on the same files, as commands make
    assert len(decoded) == 2
    assert again is first and first.posts["p1"].status == "scheduled"


def test_a_change_of_the_same_size_at_once_is_read_afresh(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger")
    _write(ledger, intent("p1"), outcome("p1"))
    assert set(ledger.state().posts) == {"p1"}
    _write(ledger, intent("p2"), outcome("p2"))  # same length, likely the same mtime
    assert set(ledger.state().posts) == {"p2"}


def test_an_append_is_read(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger")
    _write(ledger, intent("p1"))
    assert ledger.state().posts["p1"].status != "scheduled"
    with ledger.lock("test"):
        ledger.append(outcome("p1"))
    assert ledger.state().posts["p1"].status == "scheduled"


def test_another_ledger_is_never_mixed_up(tmp_path: Path) -> None:
    one, two = Ledger(tmp_path / "one"), Ledger(tmp_path / "two")
    _write(one, intent("p1"), outcome("p1"))
    _write(two, intent("p1"), outcome("p1"))  # the very same bytes, another ledger
    assert one.state().posts.keys() == two.state().posts.keys() == {"p1"}
    _write(two, intent("p2"))
    assert set(two.state().posts) == {"p2"} and set(one.state().posts) == {"p1"}
