"""The fingerprints of the computed values a refresh writes (in the hidden 计算记录 sheet):
a short digest per value, so that the next refresh notices a hand edit in a computed
column and names it."""

from __future__ import annotations

import functools
import datetime as dt
import hashlib


def digests(values: dict[str, object]) -> dict[str, str]:
    out = {}
    for key, value in values.items():
        try:
            out[key] = cell_digest(value)
        except TypeError:              # a value that cannot be hashed (not from a cell)
            out[key] = cell_digest.__wrapped__(value)
    return out


@functools.lru_cache(maxsize=65536, typed=True)
def cell_digest(value: object) -> str:
    """The digest of one cell's value; a register repeats its computed values (正确, 达标,
    550), so each is hashed once per batch."""
    return hashlib.sha1(repr(_cell_repr(value)).encode()).hexdigest()[:8]


def _cell_repr(value: object) -> object:
    """What a cell reads back as after a save (dates come back as datetimes, ints as ints)."""
    if value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def encode_fingerprint(values: dict[str, object]) -> str:
    return ";".join(f"{k}={h}" for k, h in sorted(digests(values).items()))


def decode_fingerprint(text: object) -> dict[str, str]:
    out = {}
    for part in str(text or "").split(";"):
        if "=" in part:
            k, h = part.split("=", 1)
            out[k] = h
    return out
