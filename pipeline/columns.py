"""Columns of values as small codes: each distinct value kept once, in order of appearance.

The columnar paths (CSV tables, their checks, slots sent between processes) work on a few
hundred distinct values shared by 100,000 rows; this is their one way of finding them.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

V = TypeVar("V", bound=Hashable)


def encode(values: Sequence[V]) -> tuple[list[int], list[V]]:
    """Each value's code (its index in the distinct values) and the distinct values. Two C
    loops over the column, none in Python: dict.fromkeys, then one lookup per value."""
    index: dict[V, int] = dict.fromkeys(values, 0)
    for number, key in enumerate(index):
        index[key] = number
    return list(map(index.__getitem__, values)), list(index)
