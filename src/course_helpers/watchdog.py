"""Stop the local server's decisions that run too long, and every running one when the server closes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Interrupted(BaseException):
    """Raised inside a decision's thread to stop it; a BaseException, so no `except Exception` swallows it."""


class TimedOut(Interrupted):
    """The decision ran past its time."""


class Closed(Interrupted):
    """The server closed while the decision ran."""


def _raise_in(thread_id: int, exception: type[BaseException] | None) -> None:
    """Raise `exception` in another thread at its next Python instruction (None takes back a pending one)."""
    import ctypes  # only when a decision is stopped

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exception) if exception else None)


class Watchdog:
    """One thread that stops decisions past their deadline; a thread blocked in C code stops when it returns."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._deadlines: dict[int, float] = {}  # thread id -> when its decision must be done
        self._changed = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._watch, name="course-offline-watchdog", daemon=True)
        self._thread.start()

    @contextmanager
    def watching(self) -> Iterator[None]:
        """Run the body under the deadline; it raises `TimedOut` past it and `Closed` if the server closes."""
        thread_id = threading.get_ident()
        with self._changed:
            if self._closed:
                raise Closed
            self._deadlines[thread_id] = time.monotonic() + self.seconds
            self._changed.notify()
        try:
            yield
        finally:
            with self._changed:
                if self._deadlines.pop(thread_id, None) is None:  # stopped just as it finished
                    _raise_in(thread_id, None)

    def _watch(self) -> None:
        with self._changed:
            while not self._closed:
                now = time.monotonic()
                for thread_id in [t for t, deadline in self._deadlines.items() if deadline <= now]:
                    del self._deadlines[thread_id]
                    _raise_in(thread_id, TimedOut)
                self._changed.wait(min(self._deadlines.values(), default=now + 60) - now)

    def close(self) -> None:
        """Stop every running decision and the watchdog's thread."""
        with self._changed:
            self._closed = True
            for thread_id in self._deadlines:
                _raise_in(thread_id, Closed)
            self._deadlines.clear()
            self._changed.notify()
        self._thread.join()
