"""Fee and defence by level (notice 四(五), 四(六))."""

from __future__ import annotations

from .base import Parsed, cites
from .catalog import Catalog
from .settings import Settings


@cites("四(六)")
def fee_due(title_or_level: object, catalog: Catalog, settings: Settings) -> Parsed[int]:
    """评审缴费标准：高级550元/人，中级400元/人，初级200元/人 (amounts from settings)."""
    level = catalog.level_of(title_or_level)
    if level.value is None:
        return Parsed(finding=level.finding)
    return Parsed(settings.fees[level.value])


@cites("四(五)")
def defense(title_or_level: object, catalog: Catalog, settings: Settings) -> Parsed[str]:
    """申报高级职称评审的参加专业水平答辩，申报中级及以下的免于答辩."""
    level = catalog.level_of(title_or_level)
    if level.value is None:
        return Parsed(finding=level.finding)
    return Parsed("需答辩" if level.value in settings.defense_levels else "免答辩")
