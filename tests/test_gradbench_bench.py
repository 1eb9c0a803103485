"""diffkit bench --suite gradbench: every peer computes diffkit's GMM and LSTM gradient, the
goals are judged from the numbers a run stores, and the report is written from them.
No test here times anything: a run's figures are the report's business."""

import json

import numpy as np
import pytest

import diffkit as dk
from diffkit.bench import gradbench, gradbench_peers, gradbench_report, peers
from diffkit.cli import main


GMM, LSTM = ("gmm", dict(d=3, k=2, n=7)), ("lstm", dict(l=2, c=4))


# jax op by op and under jit run the same loss (jit on GMM, where op-by-op JAX takes seconds to warm up)
@pytest.mark.parametrize("peer, problem, settings", [("jax-jit", *GMM), ("autograd", *GMM), ("jax", *LSTM),
                                                     ("jax-jit", *LSTM), ("autograd", *LSTM)])
def test_each_peer_computes_diffkits_objective_and_gradient(peer, problem, settings):
    spec = next(p for p in peers.PEERS if p.name == peer)
    status, modules = peers.load(spec)
    if not status.available:
        pytest.skip(f"{peer} is not installed ({status.reason})")
    objective, args, argnums, data = gradbench.problem_inputs(problem, settings)
    peer_objective, peer_gradient, grads_of = gradbench_peers.ADAPTERS[peer](problem)(modules, args, data)
    result = dk.gradient(objective, *args, argnums=argnums)
    assert float(peer_objective()) == pytest.approx(result.value, rel=1e-12)
    for mine, theirs in zip(result.grad, grads_of(peer_gradient())):
        np.testing.assert_allclose(theirs, mine, rtol=1e-11, atol=1e-13)


def _entry(problem, size, tape, torch=None, autograd=None):
    tools = {gradbench.TAPE: {"objective": 1e-3, "gradient": tape * 1e-3, "ratio": tape, "max_abs_difference": 0.0,
                              "repeats": 3}}
    for name, ratio in (("torch", torch), ("autograd", autograd)):
        if ratio is not None:
            tools[name] = {"objective": 2e-3, "gradient": ratio * 2e-3, "ratio": ratio, "max_abs_difference": 1e-15,
                           "repeats": 3}
    return {"problem": problem, "size": size, "settings": {"d": 2}, "params": 30, "tools": tools}


def test_goals_compare_the_tape_ratio_with_torch_and_autograd():
    results = {"sizes": [_entry("gmm", "small", tape=3.0, torch=2.5, autograd=4.0),
                         _entry("lstm", "small", tape=4.0, torch=2.0, autograd=3.0),
                         _entry("gmm", "medium", tape=3.0)]}
    goals = {g["goal"]: g for g in gradbench.evaluate_goals(results)}
    assert goals["gmm small: tape ratio within 1.5x of PyTorch eager's"]["met"] is True  # 3.0 <= 3.75
    assert goals["gmm small: tape ratio better than autograd's"]["met"] is True
    assert goals["lstm small: tape ratio within 1.5x of PyTorch eager's"]["met"] is False  # 4.0 > 3.0
    assert goals["lstm small: tape ratio better than autograd's"]["met"] is False
    assert goals["gmm medium: tape ratio within 1.5x of PyTorch eager's"]["met"] is None
    assert goals["gmm medium: tape ratio within 1.5x of PyTorch eager's"]["measured"] == "torch not installed"


def test_report_is_rebuilt_from_stored_results(tmp_path):
    quick = gradbench.run(gradbench.Settings(((("gmm", "small", dict(d=2, k=2, n=5))),), 1, True), peer_names=[])
    assert [p["name"] for p in quick["peers"]] == []
    (tmp_path / "results.json").write_text(json.dumps(quick))
    assert main(["bench", "--suite", "gradbench", "--report-only", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "index.md").read_text()
    for heading in ("## Goals", "## Gradient time over objective time (ADBench's ratio)", "## Medians: objective / gradient"):
        assert heading in text
    assert "| gmm | small (d=2, k=2, n=5) | 12 |" in text
    assert (tmp_path / gradbench_report.FIGURE).exists()


def test_the_readme_section_belongs_to_the_mlp_benchmark(tmp_path):
    assert main(["bench", "--suite", "gradbench", "--update-readme", "--out", str(tmp_path)]) == 2


def test_a_peer_whose_gradient_disagrees_counts_toward_no_goal(tmp_path):
    entry = _entry("gmm", "small", tape=3.0, autograd=4.0)
    entry["tools"]["autograd"]["max_abs_difference"] = 517.0  # beyond GRADIENT_TOLERANCE (1e-8)
    goals = {g["goal"]: g for g in gradbench.evaluate_goals({"sizes": [entry]})}
    assert goals["gmm small: tape ratio better than autograd's"] == {
        "goal": "gmm small: tape ratio better than autograd's", "met": None,
        "measured": "autograd's gradient disagrees with diffkit's (max abs difference 5.2e+02): not counted"}
    quick = gradbench.run(gradbench.Settings(((("gmm", "small", dict(d=2, k=2, n=5))),), 1, True), peer_names=[])
    gradbench_report.write_report(dict(quick, sizes=[entry]), tmp_path)
    assert "| gmm | small (d=2) | 30 | 0.0e+00 | **5.2e+02 (disagrees: not counted)** |" in (tmp_path / "index.md").read_text()


@pytest.mark.parametrize("change, missing", [
    (lambda r: r.pop("quick"), "it has no quick"),
    (lambda r: r["sizes"][0].pop("params"), "sizes[0] has no params"),
    (lambda r: r["sizes"][0]["tools"][gradbench.TAPE].pop("ratio"), "sizes[0] 'diffkit tape' has no ratio"),
    (lambda r: r.update(sizes={"gmm": 1}), "sizes is a dict, not a list"),
    (lambda r: r["sizes"][0].update(tools=[1, 2]), "sizes[0] tools is a list, not a dict"),
])
def test_a_results_file_lacking_a_key_names_it(tmp_path, capsys, change, missing):
    results = {"suite": "gradbench", "quick": True, "environment": {}, "peers": [], "sizes": [_entry("gmm", "small", 3.0)]}
    change(results)
    (tmp_path / "results.json").write_text(json.dumps(results))
    assert main(["bench", "--suite", "gradbench", "--report-only", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"diffkit: error: {tmp_path / 'results.json'} does not hold diffkit bench --suite gradbench results "
        f"({missing}): rerun `diffkit bench --suite gradbench --out {tmp_path}` to measure again\n")


def test_a_missing_results_file_names_the_gradbench_command(tmp_path, capsys):
    out = tmp_path / "none"
    assert main(["bench", "--suite", "gradbench", "--report-only", "--out", str(out)]) == 2
    assert capsys.readouterr().err == (f"diffkit: error: {out / 'results.json'} does not exist: run "
                                       f"`diffkit bench --suite gradbench --out {out}` first\n")
