"""Conversion between Traditional and Simplified Chinese with OpenCC (used to match across scripts)."""

from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def to_simplified(text: str) -> str:
    """Traditional → Simplified (characters outside the mapping are unchanged)."""
    return str(_t2s().convert(text))


def to_traditional(text: str) -> str:
    """Simplified → Traditional."""
    return str(_s2t().convert(text))
