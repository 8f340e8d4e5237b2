"""Suite-wide settings.

Hypothesis's per-example deadline is a timing assertion in disguise: on a loaded 2-core CI
machine an example can take longer than 200 ms for no fault of the code, so it is off for the
whole suite (examples are still bounded by pytest-timeout).
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("suite", deadline=None)
settings.load_profile("suite")
