"""Rules are pure: these tests feed entries and media facts straight in, no files probed."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.calendar import load_calendars
from pipeline.calendar.schema import SchemaContext
from pipeline.model import Diagnostic
from pipeline.rules import check_entries
from pipeline.rules.context import CheckContext, PlanSettings
from pipeline.rules.table import RulesTable
from tests.helpers import NOW


@dataclass(frozen=True)
class Facts:
    kind: str = "image"
    mime: str | None = "image/jpeg"
    size_bytes: int | None = 100_000
    width: int | None = 1080
    height: int | None = 1080
    duration_s: float | None = None
    exists: bool = True
    error: str | None = None


IMAGE = Facts()
PNG = Facts(mime="image/png")
TALL = Facts(width=1080, height=1920)
VIDEO = Facts(
    kind="video", mime="video/mp4", size_bytes=2_000_000, width=720, height=1280, duration_s=20
)
MISSING = Facts(exists=False, kind="unknown", mime=None, size_bytes=None, width=None, height=None)
GIF = Facts(kind="unknown", mime=None)


def video(seconds: float, size: int = 2_000_000) -> Facts:
    return Facts(
        kind="video", mime="video/mp4", size_bytes=size, width=720, height=1280, duration_s=seconds
    )


class RuleRunner:
    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(
        self,
        post: str,
        media: dict[str, Any] | None = None,
        *,
        plan: PlanSettings | None = None,
        table: RulesTable | None = None,
        extra_posts: str = "",
    ) -> list[Diagnostic]:
        """Check one post (YAML mapping text, indented as a list item's body)."""
        body = textwrap.indent(textwrap.dedent(post).strip(), "    ")
        text = (
            "defaults: {timezone: UTC, account: '@brand'}\nposts:\n  - \n"
            + body
            + "\n"
            + extra_posts
        )
        (self.root / "cal.yaml").write_text(text, encoding="utf-8")
        loaded = load_calendars([str(self.root / "cal.yaml")], SchemaContext(str(self.root)))
        assert not any(d.code in ("E101", "E114") for d in loaded.diagnostics), loaded.diagnostics
        facts = {}
        for entry in loaded.entries:
            for ref in entry.media:
                name = ref.value.rsplit("/", 1)[-1]
                if media and name in media:
                    facts[ref.key] = media[name]
        ctx = CheckContext(table=table or RulesTable(), now=NOW, media=facts, plan=plan)
        return [*loaded.diagnostics, *check_entries(loaded.entries, ctx)]


@pytest.fixture
def rules(tmp_path: Path) -> RuleRunner:
    return RuleRunner(tmp_path)


def codes(diagnostics: list[Diagnostic], platform: str | None = "any") -> list[str]:
    return sorted(d.code for d in diagnostics if platform == "any" or d.platform == platform)
