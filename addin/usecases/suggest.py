"""What the page and the ribbon offer first in a field (``Param.suggest``)."""

from __future__ import annotations

import datetime as dt


def suggestion(kind: str | None, today: dt.date | None = None) -> str:
    """The suggested text for a field: ``next-workday`` is today, or the next Aksu working
    day when today is not one (a publicity starts on a working day); ``today`` is today."""
    today = today or dt.date.today()
    if kind == "today":
        return today.isoformat()
    if kind == "next-workday":
        from .. import data
        from ..rules.calendar import UnknownYear

        cal = data.calendar()
        try:
            return (today if cal.is_workday(today) else cal.add_workdays(today, 1)).isoformat()
        except UnknownYear:
            return today.isoformat()
    return ""
