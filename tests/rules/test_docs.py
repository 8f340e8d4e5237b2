"""docs/rules.md is generated from the code registry and the rules table: it must not drift."""

from __future__ import annotations

from pipeline.rules.codes import CODES
from pipeline.rules.docs import render
from pipeline.rules.table import ROWS
from tests.helpers import REPO


def test_rules_page_is_up_to_date() -> None:
    assert (REPO / "docs" / "rules.md").read_text(encoding="utf-8") == render(), (
        "docs/rules.md is stale: run `make docs`"
    )


def test_every_code_and_every_limit_source_is_documented() -> None:
    page = render()
    for code in CODES.values():
        assert f"`{code.code}` | {code.name} |" in page
    for row in ROWS:
        for source in row.sources.values():
            assert source in page


def test_codes_are_stable_and_well_formed() -> None:
    for code in CODES.values():
        assert code.code[0] in "EW" and code.code[1:].isdigit() and len(code.code) == 4
        assert code.name == code.name.lower() and " " not in code.name
    assert len({c.name for c in CODES.values()}) == len(CODES)
