"""Scoring slices of the units in forked processes at the same time (and reading evidence ahead: :class:`Ahead`).

Scoring is a pure function of the evidence, unit by unit, so the units can be shared out:
each forked process sees the parent's loaded evidence and plan as they are (copy on write,
nothing is serialised on the way in) and sends back only what it computed. The parent
scores slices too, then reads the others'. A process that fails for any reason (killed, out
of memory, an unpicklable value) costs only speed: the parent scores its slices again
itself, so the result never depends on how the work was shared.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

Part = TypeVar("Part")
Out = TypeVar("Out")


#: Units from which a pass (the summaries; the detail of JSON and TOML) is shared out over the
#: usable processors by default: below it, starting processes costs more than it saves.
#: Measured on 2 cores at 1,000 units: the summaries of the harness's provincial units 0.53 s
#: against 0.60 s in one process, the JSON detail of county units 1.17-1.39 s against 1.43-1.58 s;
#: at 500 county units no gain.
PARALLEL_FROM = 1000


def default_jobs(units: int, from_units: int | None = None) -> int:
    """Processes for a pass over ``units`` units: every usable processor (at most 8) for
    ``from_units`` units or more (where processes pay; default :data:`PARALLEL_FROM`), where the
    system can fork; else one."""
    if units < (PARALLEL_FROM if from_units is None else from_units) or not hasattr(os, "fork"):
        return 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(usable, 8))


#: At most this many parts for :func:`balanced`: one byte per part in a pipe, written whole
#: before any process reads (POSIX guarantees a pipe holds 512 bytes without blocking).
BALANCED_PARTS = 256


def balanced(func: Callable[[Part], Out], parts: Sequence[Part], jobs: int) -> list[Out]:
    """``[func(part) for part in parts]``, each part taken by whichever of ``jobs`` processes
    (this one and forked ones) is free first.

    The processes of a machine do not run at one speed (two virtual processors here differ
    by 30-50% from moment to moment), so fixed equal shares leave one waiting for the other;
    here each takes the next part as soon as it is done with one, and they end about together.
    The parts are numbered in a pipe, which each process reads a byte at a time (a read of a
    pipe is atomic: no part is taken twice). A part whose process failed is computed here, so
    the result never depends on how the work was shared.
    """
    count = len(parts)
    if jobs < 2 or count < 2 or count > BALANCED_PARTS or not hasattr(os, "fork"):
        return [func(part) for part in parts]
    from ._watchdog import active

    watching = active()
    try:
        tickets = _tickets(count)
    except OSError:
        return [func(part) for part in parts]

    def take(_: object) -> dict[int, Out]:
        done: dict[int, Out] = {}
        while (ticket := _next_ticket(tickets)) is not None:
            done[ticket] = func(parts[ticket])
        return done

    _flush()
    children: list[tuple[int, int] | None] = []
    try:
        children += [_fork(take, None, watching) for _ in range(min(jobs, count) - 1)]
        found = take(None)
        while children:
            child = children.pop(0)
            sent = _collect(child) if child is not None else _NONE
            if sent is not _NONE:
                found.update(sent)
    finally:
        os.close(tickets)
        for child in children:  # this process failed (a part raised here): none is left behind
            if child is not None:
                _abandon(child)
    return [found[index] if index in found else func(parts[index]) for index in range(count)]


def ordered_map(func: Callable[[Part], Out], parts: Iterable[Part], jobs: int) -> Iterator[Out]:
    """``func(part)`` for each part, in order, computed by up to ``jobs`` forked processes at a time.

    Each part gets a process of its own, started as soon as one finishes, so at most ``jobs``
    results wait in memory, whatever the number of parts (a run's detail, block by block).
    """
    if jobs < 2 or not hasattr(os, "fork"):
        yield from map(func, parts)
        return
    from ._watchdog import active

    watching = active()
    _flush()
    waiting = iter(parts)
    running: deque[tuple[Part, tuple[int, int] | None]] = deque()
    try:
        for part in islice(waiting, jobs):
            running.append((part, _fork(func, part, watching)))
        while running:
            part, child = running.popleft()
            sent = _collect(child) if child is not None else _NONE
            for following in islice(waiting, 1):  # keep the processes busy while this one is written
                running.append((following, _fork(func, following, watching)))
            yield func(part) if sent is _NONE else sent
    finally:  # the consumer stopped early (an error while writing): no process is left behind
        for _, child in running:
            if child is not None:
                _abandon(child)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()


def _tickets(count: int) -> int:
    """The read end of a pipe holding one ticket per part, 0 … ``count`` - 1 (at most
    :data:`BALANCED_PARTS`), its write end closed: read to its end, it says no part is left.
    Written whole before any process reads (POSIX guarantees a pipe holds 512 bytes without
    blocking); a read of one byte is atomic, so no part is taken twice, and no lock is held that
    a process killed while holding it would keep."""
    tickets, write_end = os.pipe()
    try:
        os.write(write_end, bytes(range(min(count, BALANCED_PARTS))))
    except OSError:
        os.close(tickets)
        raise
    finally:
        os.close(write_end)
    return tickets


def _next_ticket(tickets: int) -> int | None:
    """The next part's ticket, or ``None`` when none is left."""
    try:
        ticket = os.read(tickets, 1)
    except OSError:
        return None
    return ticket[0] if ticket else None


def _forks_aside() -> bool:
    """Whether work may go to a forked process of its own here: not where the system cannot
    fork, nor under ``--timeout`` (the watchdog interrupts the process it watches)."""
    if not hasattr(os, "fork"):
        return False
    from ._watchdog import active

    watching = active()
    return watching is None or watching[0] is None


def in_background(func: Callable[[], Any]) -> int | None:
    """``func()`` in a forked process that sends nothing back and ends when it returns: its pid,
    for the caller to wait for, or ``None`` when no process was started (no fork, or under
    ``--timeout``: the caller then calls ``func`` itself). The process writes nothing to the
    standard streams and flushes none (a lock of theirs may be held by another thread at the
    fork); whatever ``func`` raises ends it quietly."""
    if not _forks_aside():
        return None
    _flush()
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:
        try:
            func()
        except BaseException:
            pass
        finally:
            os._exit(0)
    return pid


def _fork(func: Callable[[Part], Any], part: Part, watching: tuple[float | None, float] | None) -> tuple[int, int] | None:
    """A forked process computing ``func(part)`` and sending it back: ``(pid, read end)``, or
    ``None`` when no process could be started (the caller then computes the part itself)."""
    try:
        read_end, write_end = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # the child: compute, send, leave without running the parent's exit handlers
        code = 1
        try:
            import pickle

            from ._watchdog import Watchdog

            os.close(read_end)
            if watching is not None:
                with Watchdog(watching[0], note_after=watching[1]):
                    result = func(part)
            else:
                result = func(part)
            data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            with open(write_end, "wb") as pipe:
                pipe.write(data)
            code = 0
        except BaseException:  # the parent computes this part again
            code = 1
        finally:
            for stream in (sys.stdout, sys.stderr):  # what a pack printed; _exit does not flush
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def _abandon(child: tuple[int, int]) -> None:
    import signal

    pid, read_end = child
    with contextlib.suppress(OSError):
        os.close(read_end)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)


_NONE: Any = object()


def _collect(child: tuple[int, int]) -> Any:
    """What a child sent, or :data:`_NONE` when it failed."""
    import pickle

    pid, read_end = child
    with open(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not data:
        return _NONE
    try:
        return pickle.loads(data)
    except Exception:  # computed again by the parent
        return _NONE


class Ahead:
    """``func(part)`` for each of ``parts``, computed in one forked process while the caller
    does other work; :meth:`results` waits for them.

    The parts wait in a queue both processes take from: the forked process takes them one at a
    time, in order, and the caller, once its own work is done, takes those not started yet
    (:meth:`claim`) and computes them itself, so that neither process waits while the other
    still has parts ahead of it (100,000 county units: the other process read the monitoring
    tables for 3 s after this one had read the fields). The queue is a pipe of tickets, as
    :func:`balanced`'s (:func:`_tickets`); parts beyond :data:`BALANCED_PARTS` are not queued,
    and the caller computes them in their turn.

    Each result is sent as soon as it is made, so the forked process holds one at a time, and
    a thread of this process keeps its bytes as they come; they are unpickled when asked for,
    one result at a time (made earlier, every result would be held while the caller's own
    work is at its largest: 100,000 county units, 450 MiB rather than 415). A part whose call
    raised, or that the process did not send whole (it was killed, a value did not pickle), is
    missing from :meth:`results`: the caller computes it itself, so what it gets never depends
    on the process.
    """

    def __init__(self, func: Callable[[Part], Any], parts: Sequence[Part]) -> None:
        import threading

        self._found: dict[int, Any] = {}
        self._pid: int | None = None
        self._queue: int | None = None
        self._reader: threading.Thread | None = None
        if not parts or not _forks_aside():
            return
        _flush()
        try:
            queue = _tickets(len(parts))
        except OSError:
            return
        try:
            read_end, write_end = os.pipe()
        except OSError:
            os.close(queue)
            return
        try:
            pid = os.fork()
        except OSError:  # no process: the caller computes every part, and no descriptor is left open
            for fd in (queue, read_end, write_end):
                os.close(fd)
            return
        if pid == 0:
            _send_each(func, parts, queue, read_end, write_end)
        os.close(write_end)
        self._pid, self._queue = pid, queue
        self._reader = threading.Thread(target=self._take, args=(read_end,), name="escore-ahead", daemon=True)
        self._reader.start()

    def _take(self, read_end: int) -> None:
        """Each result's bytes as they come: whole records only (a process that died sent its last one partly)."""
        with open(read_end, "rb") as pipe:
            while len(head := pipe.read(16)) == 16:
                index, size = int.from_bytes(head[:8], "little"), int.from_bytes(head[8:], "little")
                data = pipe.read(size)
                if len(data) != size:
                    return
                self._found[index] = data

    def claim(self) -> Iterator[int]:
        """The parts the forked process has not started, one at a time, for the caller to compute
        (each is taken from the queue as the caller asks for the next: the other process goes on
        meanwhile); none when no process was started."""
        while self._queue is not None:
            taken = _next_ticket(self._queue)
            if taken is None:
                self._close_queue()
                return
            yield taken

    def results(self) -> dict[int, Any]:
        """The results sent, by the part's position; the process is then gone."""
        import pickle

        if self._reader is not None:
            self._reader.join()
            self._reader = None
        self._wait()
        self._close_queue()
        found: dict[int, Any] = {}
        for index in sorted(self._found):
            data = self._found.pop(index)
            with contextlib.suppress(Exception):  # else computed by the caller
                found[index] = pickle.loads(data)
            del data
        return found

    def close(self) -> None:
        """Stop the process if its results were not taken (the caller failed meanwhile)."""
        if self._pid is not None:
            import signal

            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
            self._wait()
        if self._reader is not None:
            self._reader.join()
            self._reader = None
        self._close_queue()
        self._found = {}

    def _wait(self) -> None:
        if self._pid is not None:
            with contextlib.suppress(OSError):
                os.waitpid(self._pid, 0)
            self._pid = None

    def _close_queue(self) -> None:
        if self._queue is not None:
            with contextlib.suppress(OSError):
                os.close(self._queue)
            self._queue = None


def _send_each(func: Callable[[Part], Any], parts: Sequence[Part], queue: int, read_end: int, write_end: int) -> None:
    """In the forked process: each part taken from the queue, its result pickled and sent as
    ``index, size, bytes``; then leave without running the parent's exit handlers."""
    try:
        import pickle

        os.close(read_end)
        with open(write_end, "wb") as pipe:
            while (index := _next_ticket(queue)) is not None:
                try:
                    data = pickle.dumps(func(parts[index]), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # the parent computes this part itself
                    continue
                pipe.write(index.to_bytes(8, "little") + len(data).to_bytes(8, "little"))
                pipe.write(data)
                pipe.flush()
                del data
    except BaseException:  # interrupted, or the parent went away: what was sent stays usable
        pass
    finally:  # nothing was written to the standard streams: none is flushed (a lock of theirs may be held)
        os._exit(0)
