"""Evergreen pools: members repeated into the slots queues leave free, with cooldowns.

Skeleton: the issue-14 pool work fills this in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipeline.model import Diagnostic, Entry

if TYPE_CHECKING:
    from pipeline.schedule import ScheduleContext


def fill(entries: Sequence[Entry], ctx: ScheduleContext) -> tuple[list[Entry], list[Diagnostic]]:
    return list(entries), []
