"""Run one case in an isolated child process with a wall-clock and a memory limit.

The child is forked from the calling process (which has diffkit and the zoo imported,
so starting it costs milliseconds), caps its address space with
``resource.setrlimit(RLIMIT_AS)`` and sends its row back through a pipe; it may send
partial rows first. The parent waits until the deadline, then kills the child: a
symbolic derivation that explodes costs one row marked ``timeout`` or ``memory``,
never the run. On Linux every pool worker and every child dies with its parent
(``PR_SET_PDEATHSIG``, asked for first thing, then a check that the parent is still the
one that started it), so a run killed at any moment, even while its pool is starting,
leaves no stray workers behind.
"""

import ctypes
import gc
import os
import pickle
import resource
import signal
import sys
import time
from multiprocessing.connection import Connection

from .cases import canonical_json

MEGABYTE = 1024 * 1024
LIMIT_STATUSES = ("timeout", "memory", "too-large")
_LONGEST_WAIT = 3600.0  # seconds: poll() refuses longer waits (a --timeout of 1e7 is allowed all the same)


def die_with_parent(parent_pid):
    """Ask Linux to SIGKILL this process when its parent dies (no-op elsewhere); exit at
    once if ``parent_pid`` has died already (before the request could be made), since
    the signal only covers a death that comes after it."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except OSError:
        pass
    if os.getppid() != parent_pid:
        os._exit(1)


def address_space_bytes():
    """The address space this process has mapped now (VmSize), in bytes."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def limit_memory(memory_mb):
    """Cap the address space at what is mapped now plus ``memory_mb`` megabytes."""
    if not memory_mb:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = address_space_bytes() + int(memory_mb * MEGABYTE)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def execute(case, report_partial=None, min_time=None, timeout=None):
    """Run a case in this process: a study, or a gradient/reference case.

    ``min_time`` is the measuring time each timing fills (default: the harness's);
    ``timeout`` the case's limit, of which timing rounds use at most a share.
    """
    if case.kind == "study":
        from .studies import run_study

        return run_study(case, report_partial)
    from .measure import MIN_TIME, TIMING_SHARE, measure_gradient_case

    deadline = time.monotonic() + TIMING_SHARE * timeout if timeout else None
    return measure_gradient_case(case, report_partial, MIN_TIME if min_time is None else min_time, deadline)


def _child(case, memory_mb, connection, parent_pid, min_time=None, timeout=None):
    """Body of the forked child: never returns."""
    code = 0
    try:
        die_with_parent(parent_pid)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        limit_memory(memory_mb)

        def report_partial(fields):
            connection.send(("partial", fields))

        row = execute(case, report_partial, min_time, timeout)
        row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        connection.send(("done", row))
    except MemoryError:
        code = _send_quietly(connection, ("done", {"status": "memory", "reason": "MemoryError: out of memory"}))
    except BaseException as exc:  # noqa: B902  (report anything, then leave)
        code = _send_quietly(connection, ("done", {"status": "error", "reason": f"{type(exc).__name__}: {exc}"}))
    finally:
        os._exit(code)


def _send_quietly(connection, message):
    try:
        connection.send(message)
        return 0
    except BaseException:  # noqa: B902
        return 1


def run_isolated(case, timeout=None, memory_mb=None, min_time=None):
    """Run ``case`` in a forked child with limits; return its row (always a dict).

    ``timeout`` is wall-clock seconds (None: no limit); ``memory_mb`` is the memory
    the case may allocate beyond what this process already has mapped; ``min_time``
    the measuring time of each timing.
    """
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    parent_pid = os.getpid()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(case, memory_mb, Connection(write_fd, readable=False), parent_pid, min_time, timeout)
    os.close(write_fd)
    reader = Connection(read_fd, writable=False)
    row, partial = None, {}
    try:
        deadline = None if timeout is None else started + timeout
        while row is None:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                row = dict(partial, status="timeout", reason=f"no result within the time limit of {timeout:g} s")
                break
            if remaining is not None and not reader.poll(min(remaining, _LONGEST_WAIT)):
                continue  # the deadline is checked above; a generous limit is waited for in parts
            try:
                kind, fields = reader.recv()
            except (EOFError, OSError, pickle.UnpicklingError):
                row = dict(partial, status="error", reason=_death_reason(pid, memory_mb))
                pid = None
                break
            if kind == "partial":
                partial.update(fields)
            else:
                row = dict(partial, **fields)
    finally:
        reader.close()
        if pid is not None:
            _kill(pid)
    row["wall_seconds"] = time.monotonic() - started
    row["timeout"] = timeout
    row["memory_mb"] = memory_mb
    return row


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _death_reason(pid, memory_mb):
    """Why a child closed its pipe without a result (reaps it)."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return "the worker process ended without a result"
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        hint = f" (its memory limit was {memory_mb:g} MB)" if memory_mb else ""
        return f"the worker process was killed by {name}{hint}"
    return f"the worker process exited with code {os.WEXITSTATUS(status)} without a result"


def supervise(case_data, timeout=None, memory_mb=None, min_time=None):
    """Executor entry point: a case as a plain dict in, its finished row out."""
    from .cases import Case

    case = Case(**case_data)
    return case_row(case, run_isolated(case, timeout, memory_mb, min_time))


def case_row(case, row):
    """``row`` with the case's own fields, as the database stores them."""
    row.update(case_id=case.id, program_key=case.program_key, **case.to_dict())
    row["settings"] = canonical_json(case.settings)
    row["options"] = canonical_json(case.options)
    return row


def prepare_worker(run_pid, kinks="mean"):
    """Process-pool initializer: die with the run (process ``run_pid``), take its kink
    convention (``dk.kinks``), then import what every case needs once. The pool's start-up before this (a spawned interpreter
    importing diffkit) takes a second or more: a run killed during it is noticed here."""
    die_with_parent(run_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does
    from ..core.kinks import use_kinks

    use_kinks(kinks)
    import diffkit  # noqa: F401
    from . import measure, studies  # noqa: F401

    import diffkit.programs  # noqa: F401

    studies.studies()  # imports every built-in study once, here
    warm_up()
    gc.collect()
    gc.freeze()  # what the worker holds now is never garbage: collections before timing samples skip it


def warm_up():
    """Run one tiny case of every method here, so the modules SymPy and NumPy import
    lazily on first use (printers, lambdify, mpmath) are loaded once in the worker
    instead of in every forked child."""
    from ..methods import Problem, method_names
    from .measure import measure_problem
    from .cases import PSEUDO_METHODS

    def tiny(x, y):
        return x * y + x / y

    problem = Problem(tiny, (0.5, 2.0), (0, 1))
    for name in (*PSEUDO_METHODS, *method_names()):
        try:
            measure_problem(problem, name, min_time=0.0)
        except Exception:  # noqa: BLE001  (warming up is best effort)
            pass
