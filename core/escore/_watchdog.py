"""Naming the indicator a run is stuck in, and optionally ending it after a time budget.

Packs are third-party code: an indicator may loop. A daemon thread looks at the
scoring thread's stack once per tick (``sys._current_frames``); the engine's frames
hold the unit and the indicator (or fixture, or veto) being computed. When the same
one has been running for ``note_after`` seconds, a line on stderr names it; with a
``timeout``, a ``SIGALRM`` sent to the scoring thread raises :class:`IndicatorTimeout`
inside the indicator, which the engine records as that indicator's error like any
other exception, and the run goes on with the next one.

Nothing of this runs unless the command line starts it, and it never changes a
result that finishes within the budget: the output stays deterministic.
"""

from __future__ import annotations

import sys
import threading
import time
from types import FrameType
from typing import Any, TextIO

# The engine's methods and the local variables naming what they are computing.
_ENGINE_FRAMES = {"score_resolved": "code", "score_special": "code", "fixture_values": "name", "_apply_vetoes": "veto"}


#: The settings ``(timeout, note_after)`` of the watchdogs now watching, innermost last: a
#: forked scoring process (``escore._parallel``) starts its own with the same settings.
_stack: list[tuple[float | None, float]] = []


def active() -> tuple[float | None, float] | None:
    """The settings of the innermost watchdog now running, if any."""
    return _stack[-1] if _stack else None


class IndicatorTimeout(Exception):
    """An indicator ran over the ``--timeout`` budget (recorded as that indicator's error)."""


def running(frame: FrameType | None) -> tuple[str, str] | None:
    """``(unit code, what)`` the engine is computing in the stack of ``frame``, or ``None``."""
    from . import _batch, _run

    engine_file = _run.__file__
    batch_file = _batch.__file__
    while frame is not None:
        code = frame.f_code
        if code.co_name == "summaries" and code.co_filename == batch_file:
            variables = frame.f_locals  # a column of units: it names them all and what it computes
            watched = variables.get("watched")
            return (watched[0], watched[1]) if watched else None
        local = _ENGINE_FRAMES.get(code.co_name)
        if local is not None and code.co_filename == engine_file:
            variables = frame.f_locals
            unit, what = variables.get("unit"), variables.get(local)
            if unit is None or what is None:
                return None
            if local == "name":
                what = f"fixture {what}"
            elif local == "veto":
                what = f"veto {what.code}"
            else:
                what = f"indicator {what}"
            return getattr(unit, "code", str(unit)), str(what)
        frame = frame.f_back
    return None


class Watchdog:
    """Watch the calling thread while it scores (use as a context manager)."""

    def __init__(self, timeout: float | None = None, *, note_after: float = 10.0, stream: TextIO | None = None) -> None:
        self.timeout = timeout
        self.note_after = note_after
        self.stream = stream
        self.tick = min(1.0, note_after / 4, timeout / 4 if timeout else 1.0)
        self._stop = threading.Event()
        self._target = threading.get_ident()
        self._expired: tuple[str, str] | None = None
        self._thread: threading.Thread | None = None
        self._previous_handler: Any = None

    def __enter__(self) -> Watchdog:
        _stack.append((self.timeout, self.note_after))
        if self.timeout is not None:
            import signal  # only with a budget: importing it costs a run 1-3 ms

            if hasattr(signal, "pthread_kill") and hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread():
                self._previous_handler = signal.signal(signal.SIGALRM, self._on_alarm)
            else:
                self.timeout = None  # no signals here: the notes still name the indicator
        self._thread = threading.Thread(target=self._watch, name="escore-watchdog", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if _stack:
            _stack.pop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._previous_handler is not None:
            import signal

            signal.signal(signal.SIGALRM, self._previous_handler)

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        expired = self._expired
        # Only if the indicator that ran over is still the one running: it may have just returned.
        if expired is not None and running(frame) == expired:
            self._expired = None
            raise IndicatorTimeout(f"{expired[1]} of unit {expired[0]} ran over the --timeout budget of {self.timeout:g} s")

    def _note(self, text: str) -> None:
        stream = self.stream or sys.stderr
        try:
            stream.write(f"escore: {text}\n")
            stream.flush()
        except (OSError, ValueError):
            pass

    def _watch(self) -> None:
        current: tuple[str, str] | None = None
        since = time.monotonic()
        noted = 0.0
        while not self._stop.wait(self.tick):
            found = running(sys._current_frames().get(self._target))
            now = time.monotonic()
            if found != current:
                current, since, noted = found, now, 0.0
                continue
            if current is None:
                continue
            elapsed = now - since
            if self.timeout is not None and elapsed >= self.timeout and self._expired != current:
                self._expired = current
                import signal  # imported already by __enter__, which set the budget

                signal.pthread_kill(self._target, signal.SIGALRM)
            elif elapsed >= self.note_after and elapsed - noted >= self.note_after:
                noted = elapsed
                hint = "" if self.timeout is not None else "; --timeout SECONDS makes an indicator that runs too long an error"
                self._note(f"still scoring unit {current[0]}, {current[1]} ({elapsed:.0f} s so far{hint})")
