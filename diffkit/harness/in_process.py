"""Run a suite's cases one after another in this process, through the same scheduler.

:class:`InProcessExecutor` is a ``concurrent.futures`` executor that runs each task the
moment it is submitted, and :func:`supervise_here` is the task: the case runs in this
process, so what this process has set up (a study's measurements swapped in a test, a
notebook's state) is what it sees. The time limit is kept with ``SIGALRM`` where Python
allows it (the main thread on Unix); there is no memory limit, since capping this
process would cap its caller too. Ladders, resuming and the database work as for
isolated workers.
"""

import concurrent.futures as futures
import signal
import threading
import time

from .cases import Case
from .worker import case_row, execute


class InProcessExecutor(futures.Executor):
    """Runs every submitted task at once, in the calling thread; its future is done on return."""

    def submit(self, fn, /, *args, **kwargs):
        future = futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # the scheduler sees it in future.result(), as from a pool
            future.set_exception(exc)
        return future


REPEAT_ALARM = 1.0  # seconds: the alarm repeats until the case's code lets the exception through


class _TimeLimit(Exception):
    """Raised inside a case's code by the alarm."""


def _can_alarm():
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def run_here(case, timeout=None, min_time=None):
    """Run ``case`` in this process with a wall-clock limit where one can be kept; return its row."""
    partial = {}
    timer = {"done": False, "fired": False}

    def alarm(signum, frame):
        if not timer["done"]:
            timer["fired"] = True
            raise _TimeLimit()

    limited = bool(timeout) and _can_alarm()
    started = time.monotonic()
    if limited:
        previous = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout, REPEAT_ALARM)
    try:
        row = execute(case, partial.update, min_time, timeout)
    except _TimeLimit:
        row = {}
    finally:
        timer["done"] = True
        if limited:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    if timer["fired"]:  # whatever the case's code made of the interruption
        row = dict(partial, status="timeout", reason=f"no result within the time limit of {timeout:g} s")
    else:
        row = dict(partial, **row)
    row["wall_seconds"] = time.monotonic() - started
    row["timeout"] = timeout if limited else None
    row["memory_mb"] = None
    return row


def supervise_here(case_data, timeout=None, memory_mb=None, min_time=None):
    """The in-process twin of :func:`diffkit.harness.worker.supervise` (``memory_mb`` is not kept)."""
    case = Case(**case_data)
    return case_row(case, run_here(case, timeout, min_time))
