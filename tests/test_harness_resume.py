"""A run killed part way (SIGKILL to the parent) and resumed ends with an uninterrupted run's rows."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

NAP_SUITE = textwrap.dedent('''
    """Eight cases that each take a moment to build, so a run can be killed between them."""
    import time
    from diffkit.programs.program import Program

    METHODS = ["reference", "tape"]
    TIMEOUT = 30

    def square_plus(k):
        def f(x):
            return x * x + k * x
        return f

    def programs():
        time.sleep(0.3)  # runs in every worker child: each case takes at least this long
        return [Program(f"nap{k}", square_plus(k), (1.5,), 0) for k in range(4)]
''')


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
