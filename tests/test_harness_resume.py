"""Runs that are killed, resumed or meet another run.

A run killed part way (SIGKILL to the parent) and resumed ends with an uninterrupted run's
rows; a run killed while its workers start leaves no process; a second run into a busy
folder is refused and the first keeps every row.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from diffkit.cli import main

NAP_SUITE = textwrap.dedent('''
    """Eight cases that each take half a second to build in a worker, so a run can be killed
    between them, or met by another run."""
    import multiprocessing
    import time
    from diffkit.programs.program import Program

    METHODS = ["reference", "tape"]
    TIMEOUT = 30

    def square_plus(k):
        def f(x):
            return x * x + k * x
        return f

    def programs():
        if multiprocessing.parent_process() is not None:  # a worker's child: each case takes this long
            time.sleep(0.5)
        return [Program(f"nap{k}", square_plus(k), (1.5,), 0) for k in range(4)]
''')

MARKER = "DIFFKIT_TEST_RUN_MARKER"  # in the environment of every process a test run starts
WORKER_STARTUP_SECONDS = 0.3  # less than a spawned worker takes to import diffkit


def _report(suite, out, *extra):
    return [sys.executable, "-m", "diffkit", "report", "--suite", str(suite), "--out", str(out),
            "--jobs", "2", "--quiet", *extra]


def _rows(out):
    with sqlite3.connect(out / "results.sqlite") as connection:
        return connection.execute("SELECT case_id, status, value, grad FROM cases ORDER BY case_id").fetchall()


def _count(out):
    try:
        with sqlite3.connect(out / "results.sqlite") as connection:
            return connection.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _descendants(pid):
    """Process ids of every live descendant of ``pid`` (Linux /proc)."""
    found, stack = [], [pid]
    while stack:
        parent = stack.pop()
        for task in os.listdir(f"/proc/{parent}/task") if os.path.isdir(f"/proc/{parent}/task") else []:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as children:
                    kids = [int(k) for k in children.read().split()]
            except OSError:
                kids = []
            found.extend(kids)
            stack.extend(kids)
    return found


def _assert_all_exit(pids, wait=5.0):
    """The killed run's workers die with it (no stray process keeps working)."""
    deadline = time.monotonic() + wait
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _alive(p)]
        time.sleep(0.05)
    assert not alive, f"worker processes {alive} outlived the killed run"


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_killed_run_resumes_to_the_same_rows(tmp_path):
    suite = tmp_path / "naps.py"
    suite.write_text(NAP_SUITE)
    whole, killed = tmp_path / "whole", tmp_path / "killed"

    run = subprocess.Popen(_report(suite, killed), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _count(killed) < 2 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    workers = _descendants(run.pid)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert workers, "the run should have started worker processes"
    _assert_all_exit(workers)
    partial = _count(killed)
    assert 2 <= partial < 8, f"the kill came too late to interrupt the run ({partial} rows)"

    subprocess.run(_report(suite, killed, "--resume"), check=True, capture_output=True)
    subprocess.run(_report(suite, whole), check=True, capture_output=True)

    resumed, uninterrupted = _rows(killed), _rows(whole)
    assert len(resumed) == 8
    assert [r[:2] for r in resumed] == [r[:2] for r in uninterrupted]
    assert all(status == "ok" for _, status, _, _ in resumed)
    # x*x + k*x at 1.5: the same values and gradients (2*1.5 + k) either way
    for (case_id, _, value, grad), (_, _, value2, grad2) in zip(resumed, uninterrupted):
        assert value == value2 and grad == grad2
        k = int(case_id[3])
        assert value == 1.5 * 1.5 + k * 1.5
    assert (killed / "index.md").is_file()


def _wait_for(condition, seconds, step=0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


@pytest.fixture
def naps(tmp_path):
    suite = tmp_path / "naps.py"
    suite.write_text(NAP_SUITE)
    return suite


def test_a_second_run_into_a_busy_folder_is_refused_and_the_first_keeps_every_row(naps, tmp_path, capsys):
    out = tmp_path / "out"
    first = subprocess.Popen(_report(naps, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: _count(out) >= 1 or first.poll() is not None, 60)
        assert first.poll() is None, "the first run ended before a second could meet it"
        # the case (a --methods tape run into the same folder), and the one that deletes rows
        for extra in (["--methods", "tape"], ["--fresh"], ["--resume"]):
            assert main(["report", "--suite", str(naps), "--out", str(out), "--quiet", *extra]) == 2
            error = capsys.readouterr().err
            assert error.startswith("diffkit: error: ") and "Traceback" not in error
            assert f"another diffkit report (process {first.pid}) is writing to {out}" in error
            assert "wait until it finishes, or give --out another folder" in error
        assert first.poll() is None, "the first run finished before the second ones were refused"
        _, stderr = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, stderr
    rows = _rows(out)
    assert len(rows) == 8 and all(status == "ok" for _, status, _, _ in rows)
    assert {row[0] for row in rows} == {f"nap{k}/{m}" for k in range(4) for m in ("reference", "tape")}
    assert (out / "index.md").is_file()
    assert not (out / ".diffkit-report.lock").exists()  # the owner removes the lock file when done


def _marked_processes(marker):
    """Process ids whose environment holds ``marker`` (every process a run starts inherits it)."""
    found = []
    needle = f"{MARKER}={marker}".encode()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as environ:
                if needle not in environ.read().split(b"\0"):
                    continue
            with open(f"/proc/{name}/stat") as stat:
                if stat.read().rsplit(")", 1)[-1].split()[0] == "Z":
                    continue  # a zombie has exited; only its parent's wait is missing
            with open(f"/proc/{name}/cmdline", "rb") as cmdline:
                found.append((int(name), cmdline.read().replace(b"\0", b" ").decode(errors="replace")))
        except OSError:  # gone meanwhile, or not ours
            continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; the parent-death signal is Linux's")
def test_killing_the_run_while_its_workers_start_leaves_no_process(naps, tmp_path):
    marker = uuid.uuid4().hex
    env = dict(os.environ, **{MARKER: marker})
    run = subprocess.Popen(_report(naps, tmp_path / "out"), env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # kill the main process a moment after its first pool worker exists (about a second
        # after the start): the worker has its orders from the pipe and is in its start-up (a
        # fresh interpreter importing diffkit), before its initializer ran
        started = _wait_for(lambda: any("multiprocessing.spawn" in cmd for _, cmd in _marked_processes(marker)),
                            30, step=0.01)
        assert started, f"the run started no pool worker: {_marked_processes(marker)}"
        time.sleep(WORKER_STARTUP_SECONDS)
        assert run.poll() is None
        assert any("resource_tracker" in cmd for _, cmd in _marked_processes(marker))
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        assert _wait_for(lambda: not _marked_processes(marker), 15, step=0.1), (
            f"processes outlived the killed run: {_marked_processes(marker)}")
    finally:
        for pid, _ in _marked_processes(marker):
            os.kill(pid, signal.SIGKILL)


def test_numpy_numbers_and_arrays_in_a_row_are_stored_as_plain_ones(tmp_path):
    # A study's run returning np.int64 or an array stopped the whole batch: "not JSON serializable"
    import numpy as np

    from diffkit.harness.database import ResultsDB

    db = ResultsDB(tmp_path)
    db.write({"case_id": "s/study", "status": "ok", "value": np.float64(1.5),
              "data": {"steps": np.int64(3), "errors": np.array([0.5, 0.25])}})
    (row,) = db.rows()
    assert row["data"] == {"steps": 3, "errors": [0.5, 0.25]} and row["value"] == 1.5


def test_a_resumed_run_sums_its_runs_time_and_states_each_runs_limits(tmp_path):
    from diffkit.harness.database import ResultsDB
    from diffkit.harness.executor import _earlier_runs

    suite = tmp_path / "two.py"
    suite.write_text('"""Two."""\nfrom diffkit import Program\nMETHODS = ["tape"]\n'
                     'PROGRAMS = [Program("sq", abs, (3.0,)), Program("cube", abs, (2.0,))]\n')
    out = tmp_path / "out"
    common = ["report", "--suite", str(suite), "--out", str(out), "--jobs", "1", "--min-time", "0", "--quiet"]
    assert main(common + ["--timeout", "20"]) == 0
    db = ResultsDB(out, create=False)
    first = db.meta()
    db.close()
    assert first["seconds"] == pytest.approx(first["finished"] - first["started"])
    assert main(common + ["--resume", "--timeout", "6"]) == 0  # nothing left to run
    db = ResultsDB(out, create=False)
    second = db.meta()
    db.close()
    assert second["seconds"] >= first["seconds"]  # the first run's time, not the second's near 0
    assert second["earlier_limits"] == [[20.0, first["memory_mb"]]]
    summary = next(line for line in (out / "index.md").read_text().splitlines() if "suite ran" in line)
    assert f"in {second['seconds']:.0f} s (limits: 6.0 s and " in summary
    assert "per case; 20.0 s and" in summary and "MB in an earlier run)" in summary
    # a database written before the runs were summed: its last run's time, and its own limits
    assert _earlier_runs({"started": 10.0, "finished": 13.5, "timeout": 5, "memory_mb": 100}, 5, 100) == (3.5, [])
