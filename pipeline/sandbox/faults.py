"""Fault injection: per endpoint, from a seeded random source, so a failing run replays exactly.

A spec per endpoint ("POST /api/v2/posts", ..., or "*" for every endpoint without its own):

    latency: 0.2          # seconds added (real time, not scaled), or [min, max]
    error_500: 0.05       # rate of 500 server_error answers (nothing done)
    error_502: 0.05       # rate of 502 upstream_unavailable answers (nothing done)
    error_503: 0.05       # rate of 503 *_unavailable answers (nothing done, Retry-After 5 scaled)
    drop: 0.02            # rate of connections closed before anything is done
    commit_then_drop: 0.02  # the request is carried out (and its answer kept under its
                            # Idempotency-Key), then the connection is closed without the answer
    commit_then_die: 0.0    # carried out, its Idempotency-Key left "running" (the server died
                            # before storing the answer), connection closed
    commit_then_504: 0.0    # carried out (answer kept under its key), but the client gets the
                            # gateway's HTML 504 page instead (Netlify's "no answer in 30 s")
    script: [drop, ok]    # actions used first, one per request, before the rates apply

Each endpoint has its own random stream (seeded by the run's seed and the endpoint's name), and
every request draws the same number of values whatever the spec, so changing one endpoint's
faults never shifts another's sequence.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ACTIONS = (
    "error_500",
    "error_502",
    "error_503",
    "drop",
    "commit_then_drop",
    "commit_then_die",
    "commit_then_504",
)
SPEC_KEYS = {"latency", "script", *ACTIONS}


class FaultSpecError(ValueError):
    pass


@dataclass(frozen=True)
class Decision:
    action: str = "ok"  # ok or one of ACTIONS
    latency: float = 0.0

    @property
    def commits(self) -> bool:
        return self.action in ("ok", "commit_then_drop", "commit_then_die", "commit_then_504")


def check_spec(faults: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Validates a faults mapping (config file or admin request); returns a plain copy."""
    checked: dict[str, dict[str, Any]] = {}
    for endpoint, spec in faults.items():
        if not isinstance(spec, Mapping):
            raise FaultSpecError(f"faults[{endpoint!r}] must be a mapping")
        unknown = set(spec) - SPEC_KEYS
        if unknown:
            raise FaultSpecError(
                f"faults[{endpoint!r}]: unknown key(s) {', '.join(sorted(unknown))}"
            )
        total = 0.0
        for action in ACTIONS:
            rate = spec.get(action, 0)
            if not isinstance(rate, int | float) or not 0 <= rate <= 1:
                raise FaultSpecError(f"faults[{endpoint!r}].{action} must be a rate from 0 to 1")
            total += rate
        if total > 1:
            raise FaultSpecError(f"faults[{endpoint!r}]: the rates add up to more than 1")
        latency = spec.get("latency", 0)
        bounds = latency if isinstance(latency, list | tuple) else [latency, latency]
        if len(bounds) != 2 or not all(isinstance(b, int | float) and b >= 0 for b in bounds):
            raise FaultSpecError(f"faults[{endpoint!r}].latency: seconds, or [min, max]")
        script = spec.get("script", [])
        if not isinstance(script, list) or any(s not in ("ok", *ACTIONS) for s in script):
            raise FaultSpecError(f"faults[{endpoint!r}].script: a list of ok, {', '.join(ACTIONS)}")
        checked[str(endpoint)] = {**dict(spec), "script": list(script)}
    return checked


class Faults:
    def __init__(self, faults: Mapping[str, Any], seed: int) -> None:
        self._seed = seed
        self._specs = check_spec(faults)
        self._initial = {k: dict(v) for k, v in self._specs.items()}
        self._random: dict[str, random.Random] = {}

    @property
    def specs(self) -> dict[str, dict[str, Any]]:
        return {k: dict(v) for k, v in self._specs.items()}

    def set(self, faults: Mapping[str, Any], *, replace: bool = True) -> None:
        checked = check_spec(faults)
        if replace:
            self._specs = checked
        else:
            self._specs.update(checked)

    def reset(self) -> None:
        self._specs = {k: dict(v) for k, v in self._initial.items()}
        self._random.clear()

    def decide(self, endpoint: str) -> Decision:
        stream = self._random.setdefault(endpoint, random.Random(f"faults:{self._seed}:{endpoint}"))
        spread, roll = stream.random(), stream.random()
        spec = self._specs.get(endpoint, self._specs.get("*"))
        if not spec:
            return Decision()
        latency = spec.get("latency", 0)
        low, high = latency if isinstance(latency, list | tuple) else (latency, latency)
        delay = float(low) + (float(high) - float(low)) * spread
        script: list[str] = spec.get("script", [])
        if script:
            return Decision(script.pop(0), delay)
        for action in ACTIONS:
            rate = float(spec.get(action, 0))
            if roll < rate:
                return Decision(action, delay)
            roll -= rate
        return Decision("ok", delay)
