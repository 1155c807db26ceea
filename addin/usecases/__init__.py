"""The use cases: every action a clerk can take, declared once (:mod:`.table`), run the same
way on every shell (:mod:`.runner`). See :mod:`.spec` for what a use case is.

The shells import from here: the command line (:mod:`addin.cli`), the ribbon
(:mod:`addin.excel.ribbon`) and the 台账工具 page (:mod:`addin.launcher`).
"""

from .doors import CLI, ButtonDoor
from .runner import NeedsValue, output_dir, run
from .spec import FINDINGS, INTERNAL, OK, REFUSED, THE_REGISTER, Context, Door, Outcome, Param, UseCase, Variant
from .table import GROUPS, PARENTS, TABLE, by_command, by_name, by_tag, for_door

__all__ = ["TABLE", "GROUPS", "PARENTS", "by_name", "by_command", "by_tag", "for_door", "run", "output_dir",
           "NeedsValue", "Context", "Door", "ButtonDoor", "CLI", "Outcome", "Param", "UseCase", "Variant",
           "THE_REGISTER", "OK", "FINDINGS", "REFUSED", "INTERNAL"]
