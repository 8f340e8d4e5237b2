"""Identifiers from a seeded random source, so two runs with the same seed and the same requests
produce the same ids (a failing run can be replayed and compared)."""

from __future__ import annotations

import random
import uuid

#: Profile ids not given in the config are derived from the account and profile names.
PROFILE_NAMESPACE = uuid.UUID("5a7d1b0e-0c6f-4a52-9a55-2000c0ffee00")


def is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def profile_uuid(account: str, profile: str) -> str:
    return str(uuid.uuid5(PROFILE_NAMESPACE, f"{account}/{profile}"))


class IdSource:
    def __init__(self, seed: int) -> None:
        self._random = random.Random(f"ids:{seed}")

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def hex(self, length: int) -> str:
        return "".join(self._random.choice("0123456789abcdef") for _ in range(length))

    def digits(self, length: int) -> str:
        first = self._random.choice("123456789")
        return first + "".join(self._random.choice("0123456789") for _ in range(length - 1))

    def token(self, length: int) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        return "".join(self._random.choice(alphabet) for _ in range(length))
