"""A per-test wall-clock limit without a plugin: a hang fails the test instead of blocking CI.

``with time_limit(20): ...`` raises :class:`TestTookTooLong` (a ``BaseException``, so no
``except Exception`` in the code under test can swallow it) once 20 s have passed, through
``SIGALRM``, which interrupts pure-Python loops. As a backstop for a hang in C code, where the
signal handler never gets to run, :mod:`faulthandler` prints every thread's stack and ends the
process at twice the limit.
"""

from __future__ import annotations

import faulthandler
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager


class TestTookTooLong(BaseException):
    """The block ran past its limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(signum, frame):
        raise TestTookTooLong(f"took longer than {seconds:g} s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(2 * seconds, exit=True, file=sys.stderr)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
