"""The one refusal type: a request the tool will not carry out, with nothing written.

Any layer may raise :class:`Refused` (rules, the workbook layer, the outputs, the add-in
builder); ``str(exc)`` is a complete Chinese sentence saying why and what to do. The
shells turn it into what their user sees: the command line prints it and exits 2, the
ribbon shows it in a message box. Subclasses only name where the refusal came from
(:class:`~addin.book.safe_write.WriteRefused`, ...), so a shell catches one type.
"""

from __future__ import annotations

from typing import Iterable

__all__ = ["Refused"]


class Refused(Exception):
    """Raised when a command cannot go ahead; ``reasons`` lists the individual reasons
    (e.g. each part of a workbook that could not be kept)."""

    def __init__(self, message: str, reasons: Iterable[str] = ()):
        super().__init__(message)
        self.message = message
        self.reasons = list(reasons)

    def __str__(self) -> str:
        return self.message
