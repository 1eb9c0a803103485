"""``python -m diffkit.gradbench``: a session in GradBench's protocol, replayed through a
subprocess, answered in the evals' formats with the numbers of diffkit's own programs.

The session (tests/data/gradbench_session.jsonl) follows the protocol's description: per
eval a start, a define, evaluate messages with inputs in the eval's format and
``min_runs`` 2, analysis messages, and a define of a module diffkit lacks (ht). The
particle message starts at the eval's answer, so that its descent ends at once.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import diffkit as dk
from diffkit.gradbench import respond
from diffkit.programs.benchmark import ba, kmeans, particle, saddle

SESSION = Path(__file__).parent / "data" / "gradbench_session.jsonl"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def replay():
    messages = [json.loads(line) for line in SESSION.read_text().splitlines()]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-m", "diffkit.gradbench"], input=SESSION.read_text(), env=env,
                          capture_output=True, text=True, timeout=300, check=True)
    responses = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in responses] == [m["id"] for m in messages]
    return {m["id"]: (m, r) for m, r in zip(messages, responses)}


def _evaluations(replay, module):
    return {m["function"]: (m["input"], r) for m, r in replay.values()
            if m["kind"] == "evaluate" and m["module"] == module}


def test_every_message_gets_the_protocols_response(replay):
    for message, response in replay.values():
        if message["kind"] == "start":
            assert response == {"id": message["id"], "tool": "diffkit", "config": {"method": "tape"}}
        elif message["kind"] == "define":
            assert response["success"] is (message["module"] != "ht")
        elif message["kind"] == "analysis":
            assert response == {"id": message["id"]}
        else:
            assert response["success"], response.get("error")
            assert len(response["timings"]) >= message["input"]["min_runs"] == 2
            assert all(t["name"] == "evaluate" and t["nanoseconds"] > 0 for t in response["timings"])


def _program_check(replay, module, settings, objective, derivative, flatten=np.ravel):
    program = dk.get_program(module, **settings)
    evaluations = _evaluations(replay, module)
    assert evaluations[objective][1]["output"] == pytest.approx(program(), rel=1e-14)
    expected = program.gradient("tape").grad
    expected = np.concatenate([np.ravel(g) for g in expected]) if isinstance(expected, tuple) else flatten(expected)
    got = evaluations[derivative][1]["output"]
    got = np.concatenate([np.ravel(got[k]) for k in ("alpha", "mu", "q", "l")]) if isinstance(got, dict) else got
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)


def test_gmm_lse_llsq_det_lstm_against_the_programs(replay):
    _program_check(replay, "gmm", {"d": 2, "k": 3, "n": 5}, "objective", "jacobian")
    _program_check(replay, "lse", {"n": 6}, "primal", "gradient")
    _program_check(replay, "llsq", {"m": 3, "n": 7}, "primal", "gradient")
    _program_check(replay, "det", {"ell": 3}, "primal", "gradient")
    _program_check(replay, "lstm", {"l": 1, "c": 4}, "objective", "jacobian")


def test_ode_primal_is_the_whole_solution_and_gradient_its_last_row(replay):
    evaluations = _evaluations(replay, "ode")
    x = np.array(evaluations["primal"][0]["x"])
    solution = dk.jacobian(lambda x: dk.programs.benchmark.ode.ode_solution(x, 2))
    np.testing.assert_allclose(evaluations["gradient"][1]["output"], solution(x)[-1], rtol=1e-14)
    assert evaluations["primal"][1]["output"][-1] == pytest.approx(dk.get_program("ode", n=5, s=2)(), rel=1e-15)


def test_ba_outputs_in_the_evals_compressed_format(replay):
    evaluations = _evaluations(replay, "ba")
    data = evaluations["objective"][0]
    problem = ba.repeat_problem(data["cam"], data["x"], data["w"], data["feat"], data["n"], data["m"], data["p"])
    args = (problem["cams"], problem["X"], problem["w"], problem["obs"], problem["feats"])
    reprojection, weight = ba.ba_errors(*args)
    objective = evaluations["objective"][1]["output"]
    assert objective["reproj_error"]["repeated"] == objective["w_err"]["repeated"] == 5
    np.testing.assert_allclose(objective["reproj_error"]["elements"], reprojection[0], rtol=1e-14)
    assert objective["w_err"]["element"] == pytest.approx(1 - data["w"] ** 2, rel=1e-15)
    starts, columns, values = ba.sparse_jacobian(*ba.jacobian_blocks(*args), problem["obs"], 2, 3)
    jacobian = evaluations["jacobian"][1]["output"]
    assert jacobian["rows"] == starts[:30].tolist() + [int(starts[-1])]
    assert jacobian["cols"] == columns[:30].tolist() + [int(columns[-1])]
    np.testing.assert_allclose(jacobian["vals"], list(values[:30]) + [values[-1]], rtol=1e-14)
    assert jacobian["vals"][-1] == pytest.approx(-2 * data["w"], rel=1e-15)


def test_kmeans_dir_is_the_newton_step(replay):
    evaluations = _evaluations(replay, "kmeans")
    data = evaluations["dir"][0]
    C, P = np.array(data["centroids"]), np.array(data["points"])
    slope, diagonal = kmeans.closed_form(C, P)
    np.testing.assert_allclose(evaluations["dir"][1]["output"], slope / diagonal, rtol=1e-13)


def test_nested_evals_give_their_answers(replay):
    np.testing.assert_allclose(_evaluations(replay, "saddle")["rr"][1]["output"], [saddle.EXPECTED] * 4, rtol=1e-12)
    assert _evaluations(replay, "particle")["ff"][1]["output"] == particle.EXPECTED


def test_a_failing_evaluation_is_reported_not_raised():
    response = respond({"id": 7, "kind": "evaluate", "module": "det", "function": "primal",
                        "input": {"A": [1.0, 2.0, 3.0], "ell": 2}})
    assert response["id"] == 7 and response["success"] is False
    assert "cannot reshape" in response["error"]


def test_min_seconds_repeats_the_function():
    response = respond({"id": 1, "kind": "evaluate", "module": "lse", "function": "primal",
                        "input": {"x": [0.0, 1.0], "min_runs": 1, "min_seconds": 0.02}})
    assert sum(t["nanoseconds"] for t in response["timings"]) >= 0.02e9
    assert response["output"] == pytest.approx(np.log(1 + np.e), rel=1e-15)
