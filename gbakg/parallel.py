"""Run one piece of a build in a forked process while the parent does another.

The build's two heaviest stages after mapping, SHACL validation (pure Python, in pySHACL) and writing
the graph files, need the same in-memory graph and nothing from each other, so on a machine with two
or more cores they run side by side: the child is forked, so it shares the parent's graph without
copying or pickling it, and only its small result is sent back (with the child's peak memory, which
the stage that waits for it counts). Where fork is unavailable or one core is asked for, the work
runs in the calling process, with the same result. Also the process's own costs: its peak memory, and
pausing the cyclic collector while many objects are made at once (:func:`gc_paused`).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import re
import resource
import shutil
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


OWNER = "owner.pid"  # in a work folder: the id of the process that made it
_finished_peaks: list[float] = []  # the peak memory of each child whose result was taken, not yet reported


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while many objects are made and few freed.

    A build allocates hundreds of thousands of long-lived objects (terms, triples, store indexes) and
    frees almost none until it ends, so the collector's repeated full passes over them find nothing and
    cost a fifth of the build time; a query's result rows are tens of thousands of new terms, and a pass
    costs more the more the process already holds (an rdflib graph loaded beside the store). Reference
    counting still frees acyclic garbage at once; the state before the block is restored after it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def peak_mb() -> float:
    """This process's peak resident memory, in MB, since it started or since :func:`reset_peak`
    (Linux's VmHWM; elsewhere the peak since it started)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            m = re.search(r"^VmHWM:\s+(\d+) kB", fh.read(), flags=re.MULTILINE)
        if m:
            return int(m.group(1)) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Start measuring this process's peak memory afresh (Linux; elsewhere nothing happens)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        pass


def take_child_peaks() -> float:
    """The largest peak memory, in MB, of the children whose results were taken since the last call
    (0 if none): a stage's children are counted in the stage that waits for them."""
    peak = max(_finished_peaks, default=0.0)
    _finished_peaks.clear()
    return peak


def stage_peak() -> float:
    """The peak memory, in MB, of the stage now ending: this process's since the last reset or that
    of the children it waited for meanwhile, whichever is larger; the next stage is measured afresh."""
    peak = max(peak_mb(), take_child_peaks())
    reset_peak()
    return peak


def default_jobs() -> int:
    """Two processes where there are two cores (and fork): the build has two independent halves."""
    return 2 if (os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods() else 1


class Background(Generic[T]):
    """``fn()`` computed in a forked child (``parallel=True``) or lazily in this process.

    Use as a context manager so that a child is never left running: leaving the block early kills it.
    ``result()`` returns the value or re-raises the child's exception (its type and message; a child
    that dies without an answer raises ``ChildProcessError``).
    """

    def __init__(self, fn: Callable[[], T], parallel: bool):
        self._fn = fn
        self._done = False
        self._value: T | None = None
        self._error: BaseException | None = None
        self._pid = 0
        self._fd = -1
        if parallel:
            self._fork()

    def _fork(self) -> None:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, send the pickled outcome, and leave without cleanup handlers
            os.close(r)
            code = 0
            reset_peak()  # its own peak: what it touches, the parent's pages it reads included
            try:
                payload = pickle.dumps((True, self._fn(), peak_mb()))
            except BaseException as e:  # noqa: BLE001 - every failure is reported to the parent
                code = 1
                try:
                    payload = pickle.dumps((False, e, peak_mb()))
                except Exception:  # an unpicklable exception travels as text
                    error = ChildProcessError("".join(traceback.format_exception(e)))
                    payload = pickle.dumps((False, error, peak_mb()))
            with os.fdopen(w, "wb") as fh:
                fh.write(payload)
            os._exit(code)
        os.close(w)
        self._pid, self._fd = pid, r

    def result(self) -> T:
        if not self._done:
            if self._pid:
                with os.fdopen(self._fd, "rb") as fh:
                    data = fh.read()
                os.waitpid(self._pid, 0)
                self._pid = 0
                if not data:
                    self._error = ChildProcessError("the background process ended without an answer")
                else:
                    ok, value, child_peak = pickle.loads(data)
                    _finished_peaks.append(child_peak)
                    if ok:
                        self._value = value
                    else:
                        self._error = value
            else:
                try:
                    self._value = self._fn()
                except Exception as e:
                    self._error = e
            self._done = True
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def __enter__(self) -> Background[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pid:  # left before result(): stop the child
            try:
                os.kill(self._pid, 9)
                os.waitpid(self._pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            os.close(self._fd)
            self._pid = 0


def owned_folder(parent: Path, prefix: str) -> Path:
    """A new work folder under ``parent``, marked with this process's id: a build removes its own at
    the end, and a later one can tell a folder whose build was killed (:func:`remove_abandoned`)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    (folder / OWNER).write_text(str(os.getpid()), encoding="ascii")
    return folder


def remove_abandoned(parent: Path, prefixes: Iterable[str]) -> list[Path]:
    """Remove the work folders under ``parent`` (named with one of ``prefixes``) whose process no longer
    runs: what a killed build left (at 100 times the corpus, 2 GB). A folder with no owner, or whose
    owner runs (another build into the same folder), is left. The folders removed."""
    removed = []
    for prefix in prefixes:
        for folder in sorted(parent.glob(prefix + "*")):
            try:
                pid = int((folder / OWNER).read_text(encoding="ascii"))
            except (OSError, ValueError):
                continue
            if not _running(pid):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class Claims:
    """The indexes 0 … n-1 handed out to two processes from either end, each index once: one takes
    from the front, the other from the back, until they meet, so that whichever is free keeps
    working. Made before the fork (the two ends are in shared memory, under a lock)."""

    def __init__(self, n: int):
        self._ends = multiprocessing.Array("q", [0, n])

    def front(self) -> Iterator[int]:
        """The indexes from the front, in ascending order, as they are claimed."""
        while True:
            with self._ends.get_lock():
                i = self._ends[0]
                if i >= self._ends[1]:
                    return
                self._ends[0] = i + 1
            yield i

    def back(self) -> Iterator[int]:
        """The indexes from the back, in descending order, as they are claimed."""
        while True:
            with self._ends.get_lock():
                j = self._ends[1] - 1
                if j < self._ends[0]:
                    return
                self._ends[1] = j
            yield j
