"""Seniority: full years between two dates (notice 四(二): counted to the cutoff)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from .base import cites


@cites("四(二)")
@lru_cache(maxsize=65536)     # the cutoff is shared; start dates repeat across a register
def full_years(start: dt.date, end: dt.date) -> int:
    """评审资历计算时间截止2024年12月31日: the whole years from ``start`` to ``end``
    (negative when ``end`` is earlier). A person who started on 2019-12-31 has 5 full
    years on 2024-12-31; one who started on 2020-01-01 has 4."""
    return relativedelta(end, start).years
