"""`--format json` is exactly what `json.dumps(indent=2, ensure_ascii=False)` writes, though
each diagnostic is written into its layout by hand (the indenting encoder is pure Python)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pipeline.model import Diagnostic
from pipeline.report import render_json
from pipeline.rules.codes import CODES, make

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ['"quoted"', "back\\slash", "tab\there", "new\nline", "\x00\x1f\x7f\x85", "😀 é", "\u2028"]
)
DIAGNOSTICS = st.builds(
    lambda code, file, line, message, hint, entry, platform: make(
        code, file, line, message, hint=hint, entry=entry, platform=platform
    ),
    st.sampled_from(sorted(CODES)),
    TEXT,
    st.integers(0, 10**9),
    TEXT,
    TEXT,
    st.none() | TEXT,
    st.none() | st.sampled_from(["x", "linkedin", "tiktok"]),
)
SUMMARIES = st.fixed_dictionaries(
    {"files": st.integers(0, 9), "errors": st.integers(0, 9), "notes": st.lists(TEXT, max_size=2)}
)


def _reference(diagnostics: list[Diagnostic], summary: dict[str, Any]) -> str:
    payload = {
        "diagnostics": [d.as_dict() for d in sorted(diagnostics, key=Diagnostic.sort_key)],
        "summary": summary,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


@given(st.lists(DIAGNOSTICS, max_size=6), SUMMARIES)
def test_json_is_what_json_dumps_writes(
    diagnostics: list[Diagnostic], summary: dict[str, Any]
) -> None:
    written = render_json(diagnostics, summary)
    assert written == _reference(diagnostics, summary)
    assert len(json.loads(written)["diagnostics"]) == len(diagnostics)
