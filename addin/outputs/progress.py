"""Progress of a long run of documents, as each shell shows it: what a callback receives
(:data:`Progress`: a Chinese message such as "生成附件 37/188：附件1 2024-037 张三", which
Excel shows in its status bar), a progress bar on a terminal (:class:`TerminalProgress`)
and one line per stage for a console log (:class:`StepProgress`, the demo).
"""

from __future__ import annotations

import sys
from typing import Callable

#: what a progress callback receives: a Chinese message such as "生成附件 37/188：附件1 2024-037 张三"
#: (Excel shows it in the status bar); an object that also has ``update(done, total, message)``
#: (a progress bar, see :class:`TerminalProgress`) gets that call instead
Progress = Callable[[str], None]


def reporter(progress: Progress | None) -> Callable[[float, int, str], None]:
    """``report(done, total, message)`` on top of a progress callback: a progress bar's
    ``update`` as is; a plain callback (Excel's status bar) at most once per 5% or step."""
    if progress is None:
        return lambda done, total, message: None
    update = getattr(progress, "update", None)
    if callable(update):
        return update
    state = {"at": -100, "stage": None}

    def report(done: float, total: int, message: str) -> None:
        percent = int(100 * done / total) if total else 100
        stage = message.split(" ")[0]
        if percent - state["at"] >= 5 or stage != state["stage"] or percent == 100:
            state["at"], state["stage"] = percent, stage
            progress(f"生成附件 {int(done)}/{total}：{message}")

    return report


class TerminalProgress:
    """A progress bar on a terminal; plain lines (at most one per 10%) otherwise."""

    def __init__(self, stream=None, width: int = 24):
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.width = width
        self._last = -1

    def __call__(self, message: str) -> None:
        print(f"  … {message}", file=self.stream, flush=True)

    def update(self, done: float, total: int, message: str) -> None:
        fraction = min(max(done / total, 0.0), 1.0) if total else 1.0
        if self.tty:
            filled = int(self.width * fraction)
            bar = "█" * filled + "░" * (self.width - filled)
            self.stream.write(f"\r{bar} {fraction:4.0%} {message[:30]}\x1b[K")
            self.stream.flush()
        else:
            tenth = int(fraction * 10)
            if tenth != self._last:
                self._last = tenth
                print(f"  … {fraction:4.0%} {message}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


class StepProgress:
    """For a console log (the demo): one message per attachment or stage, not per file."""

    def __init__(self, say: Callable[[str], None]):
        self.say = say
        self._stage = None

    def __call__(self, message: str) -> None:
        self.say(message)

    def update(self, done: float, total: int, message: str) -> None:
        stage = message.split(" ")[0]
        if stage != self._stage:
            self._stage = stage
            self.say(f"生成附件 {int(done)}/{total}：{stage}…" if stage != "完成" else f"生成附件 {total}/{total}：完成")
