"""Posting queues: `queue:` entries take the next free slot of their account and platform.

Skeleton: the issue-14 queue work fills this in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipeline.model import Diagnostic, Entry

if TYPE_CHECKING:
    from pipeline.schedule import ScheduleContext


def assign(entries: Sequence[Entry], ctx: ScheduleContext) -> tuple[list[Entry], list[Diagnostic]]:
    return list(entries), []
