"""Run one piece of a build in a forked process while the parent does another.

The build's two heaviest stages after mapping, SHACL validation (pure Python, in pySHACL) and writing
the graph files, need the same in-memory graph and nothing from each other, so on a machine with two
or more cores they run side by side: the child is forked, so it shares the parent's graph without
copying or pickling it, and only its small result is sent back. Where fork is unavailable or one
core is asked for, the work runs in the calling process, with the same result.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


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
            try:
                payload = pickle.dumps((True, self._fn()))
            except BaseException as e:  # noqa: BLE001 - every failure is reported to the parent
                code = 1
                try:
                    payload = pickle.dumps((False, e))
                except Exception:  # an unpicklable exception travels as text
                    payload = pickle.dumps((False, ChildProcessError("".join(traceback.format_exception(e)))))
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
                    ok, value = pickle.loads(data)
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
