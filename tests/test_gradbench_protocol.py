"""``python -m diffkit.gradbench``: a session in GradBench's protocol, replayed through a
subprocess, answered in the evals' formats with the numbers of diffkit's own programs.

The session (tests/data/gradbench_session.jsonl) follows the protocol's description: per
eval a start, a define, evaluate messages with inputs in the eval's format and
``min_runs`` 2, analysis messages, and a define of a module diffkit lacks (ht). The
particle message starts at the eval's answer, so that its descent ends at once.
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import diffkit as dk
from diffkit.gradbench import respond, serve
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
    assert response["error"] == "InputError: A must be ell*ell = 4 numbers, the matrix row by row; got [1.0, 2.0, 3.0]"


def test_min_seconds_repeats_the_function():
    response = respond({"id": 1, "kind": "evaluate", "module": "lse", "function": "primal",
                        "input": {"x": [0.0, 1.0], "min_runs": 1, "min_seconds": 0.02}})
    assert sum(t["nanoseconds"] for t in response["timings"]) >= 0.02e9
    assert response["output"] == pytest.approx(np.log(1 + np.e), rel=1e-15)


def _gradbench(*args, stdin=""):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "diffkit.gradbench", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120)


def test_bad_messages_get_a_failure_response_and_the_session_goes_on():
    lines = ['[]', '{broken', '{"id": 1, "kind": "define", "module": ["gmm"]}', '{"id": 2, "kind": "start"}']
    done = _gradbench(stdin="\n".join(lines) + "\n")
    assert done.returncode == 0 and done.stderr == ""
    responses = [json.loads(line) for line in done.stdout.splitlines()]
    assert responses[0] == {"id": None, "success": False,
                            "error": "InputError: a message must be a JSON object with an id and a kind; got []"}
    assert responses[1] == {"id": None, "success": False, "error": "InputError: a message is not JSON (Expecting "
                            "property name enclosed in double quotes: line 1 column 2 (char 1)): '{broken'"}
    assert responses[2] == {"id": 1, "success": False, "error": "InputError: diffkit has no module ['gmm'] (did you "
                            "mean 'gmm'?); it implements gmm, lse, llsq, det, ode, lstm, ba, kmeans, saddle, particle"}
    assert responses[3] == {"id": 2, "tool": "diffkit", "config": {"method": "tape"}}


def test_an_unknown_method_is_one_error_line_and_exit_code_2():
    done = _gradbench("--method", "tap")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("diffkit: error: no differentiation method named 'tap' (did you mean 'tape'?); ")
    assert len(done.stderr.splitlines()) == 1


def test_an_unknown_kind_is_acknowledged_and_named_on_stderr():
    # GradBench's tools answer a kind they do not handle with the bare id, so an eval's new kind keeps working
    out, err = io.StringIO(), io.StringIO()
    saved, sys.stderr = sys.stderr, err
    try:
        assert serve(['{"id": 1, "kind": "evalute"}\n', '{"id": 2, "kind": "analysis"}\n'], out) == 0
    finally:
        sys.stderr = saved
    assert [json.loads(line) for line in out.getvalue().splitlines()] == [{"id": 1}, {"id": 2}]
    assert err.getvalue() == ("diffkit: warning: message 1 has kind 'evalute', which diffkit does not know (did you "
                              "mean 'evaluate'?); acknowledged only. The kinds are start, define, evaluate, analysis\n")


def _error(module, function, data):
    response = respond({"id": 3, "kind": "evaluate", "module": module, "function": function, "input": data})
    assert response["success"] is False and response["id"] == 3
    return response["error"]


@pytest.mark.parametrize("data, message", [
    ({"x": [1.0], "min_seconds": float("inf")}, "min_seconds must be a finite number >= 0; got inf"),
    ({"x": [1.0], "min_runs": "abc"}, "min_runs must be an integer >= 0; got 'abc'"),
    ({"x": [1.0], "min_runs": 2.7}, "min_runs must be an integer >= 0; got 2.7"),
    ({}, "the input has no x; the lse eval's input holds x"),
    ([1.0], "the input must be a JSON object of the lse eval's fields (x); got [1.0]"),
    ({"x": "123"}, "x must be a list of at least one number; got '123'"),
    ({"x": [1, None]}, "x must be a list of at least one number; got [1, None]"),
    ({"x": [1, True]}, "x must be a list of at least one number; got [1, True]"),
    ({"x": [[1.0, 2.0]]}, "x must be a list of at least one number; got [[1.0, 2.0]]"),
])
def test_lse_and_timing_fields_are_checked(data, message):
    assert _error("lse", "primal", data) == f"InputError: {message}"


def _gmm_input(**changes):
    data = {"d": 2, "k": 3, "n": 1, "m": 0, "gamma": 1.0, "alpha": [0.0, 0.0, 0.0],
            "mu": [[0.0, 0.0]] * 3, "q": [[0.0, 0.0]] * 3, "l": [[0.0]] * 3, "x": [[0.0, 0.0]]}
    return dict(data, **changes)


def _lstm_input(**changes):  # one layer, b = 2 bits, c = 2 characters
    data = {"main_params": [[0.0] * 8] * 2, "extra_params": [[0.0] * 2] * 3, "state": [[0.0] * 2] * 2,
            "sequence": [[0.0, 1.0], [1.0, 0.0]]}
    return dict(data, **changes)


def _ba_input(**changes):
    return dict({"cam": [0.0] * 6 + [1.0] + [0.0] * 4, "x": [0.0, 0.0, 1.0], "w": 1.0, "feat": [0.0, 0.0],
                 "n": 1, "m": 1, "p": 1}, **changes)


@pytest.mark.parametrize("module, function, data, message", [
    ("ode", "primal", {"x": [0.1, 0.2, 0.3], "s": -1}, "s must be an integer >= 1; got -1"),
    ("ode", "primal", {"x": [0.1, 0.2, 0.3], "s": 0}, "s must be an integer >= 1; got 0"),
    ("det", "primal", {"A": [1.0, 2.0, 3.0, 4.0], "ell": 2.5}, "ell must be an integer >= 1; got 2.5"),
    ("det", "primal", {"A": [1.0, 2.0, 3.0, 4.0]}, "the input has no ell; the det eval's input holds A, ell"),
    ("det", "primal", {"A": [1.0, 2.0, 3.0, 4.0], "ell": 3},
     "A must be ell*ell = 9 numbers, the matrix row by row; got [1.0, 2.0, 3.0, 4.0]"),
    ("gmm", "objective", _gmm_input(m=2.7), "m must be an integer >= 0; got 2.7"),
    ("gmm", "objective", _gmm_input(gamma=-1), "gamma must be a number > 0 (the Wishart prior's scale); got -1.0"),
    ("gmm", "objective", _gmm_input(mu=[[0.0, 0.0, 0.0]] * 2),
     "mu must be k x d numbers (3 x 2 here); got [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]"),
    ("ba", "objective", _ba_input(feat=[0.0]), "feat must be 2 numbers, a feature position; got [0.0]"),
    ("ba", "objective", _ba_input(cam=[0.0] * 12), "cam must be 11 numbers: rotation (3), centre (3), focal "
     "length, principal point (2), distortion (2); got [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0..."),
    ("lstm", "objective", _lstm_input(sequence=[[0.0, 1.0]]),
     "sequence must hold at least 2 characters (the loss predicts each next one); got 1"),
    ("lstm", "objective", _lstm_input(main_params=[0.0] * 16), "main_params must be a 2l x 4b array of numbers "
     "(2 x 8 here: l = 1 from the state, b = 2 from the sequence); got [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0..."),
    ("kmeans", "cost", {"points": [], "centroids": [[0.0]]},
     "points must be an n x d array of numbers (n >= 1 points); got []"),
    ("saddle", "rr", {"start": 5}, "start must be a pair of numbers, e.g. [1.0, 1.0]; got 5"),
])
def test_an_input_the_program_would_misread_names_the_field(module, function, data, message):
    assert _error(module, function, data) == f"InputError: {message}"


def test_checked_inputs_still_give_the_evals_answers():
    # ode: x_0 t = 0.2 at t = 2; lse of [0, 0] is log 2; det of [[1, 2], [3, 4]] is -2
    assert respond({"id": 1, "kind": "evaluate", "module": "ode", "function": "primal",
                    "input": {"x": [0.1], "s": 1}})["output"] == pytest.approx([0.2], rel=1e-15)
    assert respond({"id": 1, "kind": "evaluate", "module": "lse", "function": "primal",
                    "input": {"x": [0, 0]}})["output"] == pytest.approx(np.log(2.0), rel=1e-15)
    assert respond({"id": 1, "kind": "evaluate", "module": "det", "function": "primal",
                    "input": {"A": [1, 2, 3, 4], "ell": 2}})["output"] == pytest.approx(-2.0, rel=1e-15)
