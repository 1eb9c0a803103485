"""Schedule a suite's cases on a ``concurrent.futures`` executor and record each row.

The default executor is a local process pool (``jobs`` workers, started with "spawn"
and each importing diffkit once); ``scheduler`` gives the address of a Dask scheduler
instead (the ``dask`` extra), for sweeps that outgrow one machine. Either way a task
supervises one case in an isolated child (:mod:`diffkit.harness.worker`), and the
parent writes its row to the database as soon as it finishes; ``in_process`` runs the
cases one by one in this process instead (:mod:`diffkit.harness.in_process`). Cases on
a ladder run in order; after a rung hits a limit the rest of the ladder is recorded as
``skipped``.
"""

import concurrent.futures as futures
import concurrent.futures.process
import multiprocessing
import os
import sys
import time
from collections import defaultdict

from .. import errors
from ..core.kinks import kink_convention
from .database import JSON_COLUMNS, ResultsDB, make_folder
from .lock import FolderLock
from .suites import measuring_time, positive_limit
from .in_process import InProcessExecutor, supervise_here
from .worker import LIMIT_STATUSES, case_row, prepare_worker, supervise

CONNECT_SECONDS = 5
RESUME_AND_FRESH = "--resume keeps the rows already stored and --fresh deletes them: give one"
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def make_executor(jobs=None, scheduler=None):
    """A local process pool, or a Dask executor when ``scheduler`` names one."""
    if scheduler:
        return _dask_executor(scheduler)
    for name in THREAD_VARIABLES:  # one BLAS thread per worker: workers are the parallelism
        os.environ.setdefault(name, "1")
    jobs = jobs or os.cpu_count() or 1
    return futures.ProcessPoolExecutor(
        max_workers=jobs, mp_context=multiprocessing.get_context("spawn"), initializer=prepare_worker,
        initargs=(os.getpid(), kink_convention()),
    )


def _dask_executor(address):
    try:
        from distributed import Client
    except ImportError:
        raise errors.InputError(
            "--scheduler needs Dask: pip install 'diffkit[dask]' (or run without --scheduler "
            "to use a local process pool)"
        ) from None
    try:
        client = Client(address, timeout=CONNECT_SECONDS)
    except (OSError, ValueError) as exc:  # unreachable, or not an address ("missing port number")
        raise errors.InputError(f"cannot reach the Dask scheduler at {address}: {exc}; give its address, "
                                "e.g. tcp://127.0.0.1:8786") from None
    executor = client.get_executor()
    executor.client_to_close = client
    return executor


def _shutdown(executor):
    try:
        executor.shutdown(wait=True, cancel_futures=True)
    except TypeError:  # Dask's executor has no cancel_futures
        executor.shutdown(wait=True)
    client = getattr(executor, "client_to_close", None)
    if client is not None:
        client.close()


def case_label(case):
    """A case as the progress bar names it: the program, its size settings and the method
    (``mlp depth=3 width=2 tape``), not its settings as JSON."""
    sizes = " ".join(f"{key}={value}" for key, value in sorted(case.settings.items())
                     if isinstance(value, (int, float)) and not isinstance(value, bool))
    method = case.settings.get("method", "") if case.kind == "study" else case.method  # a study's case: its part
    return " ".join(str(part) for part in (case.program, sizes, method) if part)


def skipped_row(case, because):
    """The row of a ladder rung not run because a smaller rung hit a limit."""
    reason = f"not run: {because['case_id']} already ended with {because['status']}"
    return case_row(case, {"status": "skipped", "reason": reason})


class _Ladders:
    """Which case of each ladder may run next, given what has finished."""

    def __init__(self, cases, finished):
        self.queues = defaultdict(list)
        self.blocked = {}  # ladder -> the row that hit a limit
        for case in sorted((c for c in cases if c.ladder), key=lambda c: c.rung):
            self.queues[case.ladder].append(case)
        for row in finished:
            if row.get("ladder") and row["status"] in LIMIT_STATUSES:
                self.blocked.setdefault(row["ladder"], row)

    def next(self, ladder):
        """Pop the next case of ``ladder``; (case, None) to run or (case, blocking_row) to skip."""
        if not self.queues[ladder]:
            return None, None
        case = self.queues[ladder].pop(0)
        return case, self.blocked.get(ladder)

    def finished(self, row):
        if row.get("ladder") and row["status"] in LIMIT_STATUSES:
            self.blocked.setdefault(row["ladder"], row)


def run_suite(suite, out_dir, jobs=None, scheduler=None, resume=False, fresh=False, quiet=False,
              timeout=None, memory_mb=None, progress_file=None, in_process=False, min_time=None):
    """Run every case of ``suite`` not yet in ``out_dir``'s database; return the database.

    The folder is locked while the run writes it (:class:`~diffkit.harness.lock.FolderLock`):
    a second run into it stops with :class:`~diffkit.errors.FolderInUseError`. Rows
    already in the database are never deleted unasked: ``resume`` keeps them (they must
    be of the same suite) and runs the rest, ``fresh`` deletes them first; without
    either, a folder holding rows is refused. ``in_process`` runs the cases in this
    process (:mod:`diffkit.harness.in_process`) instead of in isolated workers.
    ``min_time`` is the measuring time each timing of a case fills (default
    :data:`diffkit.harness.measure.MIN_TIME`; 0 takes the fewest rounds).
    """
    if timeout is not None:
        timeout = positive_limit(timeout, "the timeout", "seconds")
    if memory_mb is not None:
        memory_mb = positive_limit(memory_mb, "the memory limit", "megabytes")
    if min_time is not None:
        min_time = measuring_time(min_time)
    with FolderLock(make_folder(out_dir)):
        db = ResultsDB(out_dir)
        try:
            _run(db, suite, jobs, scheduler, resume, fresh, quiet, timeout, memory_mb, progress_file, in_process,
                 min_time)
        except BaseException:
            db.close()
            raise
    return db


def _claim(db, suite, resume, fresh):
    """Decide what becomes of the rows already in ``db`` (see :func:`run_suite`)."""
    if resume and fresh:
        raise errors.InputError(RESUME_AND_FRESH)
    count = db.count()
    if fresh or not count:
        with db.connection:
            db.connection.execute("DELETE FROM cases")
        return
    stored = db.meta().get("suite")
    folder = db.path.parent
    if not resume:
        of = f" of suite {stored}" if stored else ""
        raise errors.InputError(
            f"{folder} already holds {count} finished case(s){of}: add --resume to keep them and run only "
            "the missing cases, or --fresh to delete them and run every case again"
        )
    if stored != suite.name:
        held = f"suite {stored}" if stored else "a run that names no suite"
        again = f"resume that suite (--suite {stored}), " if stored else ""
        raise errors.InputError(
            f"cannot resume suite {suite.name} in {folder}: its database holds {count} case(s) of {held}; "
            f"{again}give --out another folder, or replace --resume by --fresh to delete them"
        )


def _earlier_runs(meta, timeout, memory_mb):
    """``(seconds the earlier runs of a resumed suite took, their limits where they differ from
    this run's)``, from the meta they left (empty for a first run)."""
    seconds = meta.get("seconds")
    if seconds is None:  # a database written before runs were summed: its last run alone
        started, finished = meta.get("started"), meta.get("finished")
        seconds = finished - started if started is not None and finished is not None else 0.0
    limits = [list(pair) for pair in meta.get("earlier_limits", [])]
    if meta.get("timeout") is not None and meta.get("memory_mb") is not None:
        limits.append([meta["timeout"], meta["memory_mb"]])
    different = []
    for pair in limits:
        if pair != [timeout, memory_mb] and pair not in different:
            different.append(pair)
    return seconds, different


def _run(db, suite, jobs, scheduler, resume, fresh, quiet, timeout, memory_mb, progress_file, in_process,
         min_time=None):
    from tqdm.auto import tqdm

    from .machine import describe_machine, load_average
    from .measure import CLOCK, MIN_TIME
    from .timing import CLOCK_NAMES

    _claim(db, suite, resume, fresh)
    timeout = suite.timeout if timeout is None else timeout
    memory_mb = suite.memory_mb if memory_mb is None else memory_mb
    done = db.done_ids()
    todo = [case for case in suite.cases if case.id not in done]
    min_time = MIN_TIME if min_time is None else min_time
    seconds_before, earlier_limits = _earlier_runs(db.meta() if done else {}, timeout, memory_mb)
    started = time.time()
    db.set_meta(suite=suite.name, description=suite.description, timeout=timeout, memory_mb=memory_mb,
                cases=len(suite.cases), started=started, finished=None, isolated=not in_process,
                min_time=min_time, clock=CLOCK_NAMES[CLOCK], machine=describe_machine(),
                jobs=1 if in_process else (jobs or os.cpu_count() or 1), seconds=seconds_before,
                earlier_limits=earlier_limits)
    ladders = _Ladders(todo, [r for r in db.rows() if r["case_id"] in done])
    bar = tqdm(total=len(suite.cases), initial=len(suite.cases) - len(todo), unit="case",
               desc=suite.name, file=progress_file or sys.stderr,
               disable=quiet, dynamic_ncols=True)
    executor = InProcessExecutor() if in_process else make_executor(jobs, scheduler)
    task = supervise_here if in_process else supervise
    running = {}
    try:
        def submit(case):
            future = executor.submit(task, case.to_dict(), timeout, memory_mb, min_time)
            running[future] = case

        def advance(ladder):
            while True:
                case, blocking = ladders.next(ladder)
                if case is None:
                    return
                if blocking is None:
                    submit(case)
                    return
                db.write(skipped_row(case, blocking))
                bar.update(1)

        for case in todo:
            if not case.ladder:
                submit(case)
        for ladder in list(ladders.queues):
            advance(ladder)
        while running:
            finished, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
            for future in finished:
                case = running.pop(future)
                try:
                    row = future.result()
                except futures.process.BrokenProcessPool as exc:
                    raise errors.DiffkitError(
                        f"the worker pool stopped ({exc}); rerun with --resume to carry on from the "
                        "rows already stored"
                    ) from None
                try:
                    db.write(row)
                except (TypeError, ValueError) as exc:  # a value JSON cannot hold (a study's own object)
                    row = dict(row, status="error", reason=f"the case's results could not be stored: {exc}",
                               **{name: None for name in JSON_COLUMNS})
                    db.write(row)
                bar.set_postfix_str(f"{case_label(case)} {row['status']}", refresh=False)
                bar.update(1)
                if case.ladder:
                    ladders.finished(row)
                    advance(case.ladder)
    finally:
        bar.close()
        _shutdown(executor)
    finished = time.time()
    db.set_meta(finished=finished, seconds=seconds_before + (finished - started), load_at_finish=load_average())
