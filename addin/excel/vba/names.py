"""The project's names: what each module declares (procedures with their parameters,
variables with their types, constants, Types, Enum members) and whether it is public.
Collected for every module before any module is checked, so that a call or a
``Module.Member`` can be resolved against the whole project.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .declarations import Param


@dataclass
class Proc:
    module: str
    kind: str                 # sub, function, property, declare
    name: str                 # as written, without type suffix
    public: bool
    line: int
    params: list["Param"] = field(default_factory=list)


@dataclass
class ModuleInfo:
    name: str
    kind: str
    explicit: bool = False
    procs: dict[str, list[Proc]] = field(default_factory=dict)       # lower name -> procs (Property Get/Let/Set)
    variables: dict[str, bool] = field(default_factory=dict)         # lower name -> public
    var_types: dict[str, str] = field(default_factory=dict)          # lower name -> lower type
    constants: dict[str, bool] = field(default_factory=dict)
    types: dict[str, bool] = field(default_factory=dict)
    enum_members: dict[str, bool] = field(default_factory=dict)

    def member(self, low: str) -> bool | None:
        """Whether the module has member ``low``: True public, False private, None absent."""
        if low in self.procs:
            return any(p.public for p in self.procs[low])
        for table in (self.variables, self.constants, self.enum_members, self.types):
            if low in table:
                return table[low]
        return None
