"""diffkit bench: the networks it times compute correct gradients, peers may be missing,
the report has every section, the README section is generated from it.

No test here times anything: the figures are the report's business.
"""

import json

import numpy as np
import pytest

from diffkit.bench import environment, networks, peers, readme, report, suite, targets
from diffkit.harness.timing import time_side_by_side
from diffkit.cli import main
from diffkit.errors import InputError


def test_configurations_have_the_parameter_counts_of_the_issue():
    assert [c.label for c in networks.ARRAY_CONFIGS] == ["2x16", "4x64", "4x256", "8x512"]
    # 16 inputs, `depth` tanh layers of `width`, one output: counted by hand.
    assert [c.num_params for c in networks.ARRAY_CONFIGS] == [561, 13_633, 201_985, 1_847_809]
    assert networks.scalar_program_size() == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1 == 337


def test_handwritten_backward_agrees_with_central_differences():
    config = networks.Config(2, 3, batch=5, inputs=4)
    params, X, Y = networks.make_problem(config, seed=3)
    _, grads, _ = networks.numpy_value_and_grad(params, X, Y)
    h = 1e-6
    for p, g in zip(params, grads):
        flat, flat_g = p.reshape(-1), np.asarray(g).reshape(-1)
        for i in range(flat.size):
            saved = flat[i]
            flat[i] = saved + h
            up = networks.numpy_loss(params, X, Y)
            flat[i] = saved - h
            down = networks.numpy_loss(params, X, Y)
            flat[i] = saved
            assert flat_g[i] == pytest.approx((up - down) / (2 * h), abs=1e-8)


@pytest.mark.parametrize("config", networks.ARRAY_CONFIGS, ids=lambda c: c.label)
def test_tape_gradients_equal_the_handwritten_backward(config):
    params, X, Y = networks.make_problem(config)
    loss, reference, _ = networks.numpy_value_and_grad(params, X, Y)
    value, grads, _ = suite.tape_value_and_grad(networks.dk_loss, params, X, Y)
    assert value == pytest.approx(loss, abs=1e-12)
    for g, r in zip(grads, reference):
        assert g.shape == r.shape
        np.testing.assert_allclose(g, r, rtol=0, atol=1e-12)


def test_scalar_program_tape_gradient_agrees_with_central_differences():
    params, xs, ys = networks.scalar_program_problem()
    value, grads, _ = suite.tape_value_and_grad(networks.dk_scalar_loss, params, xs, ys)
    assert value == pytest.approx(networks.plain_scalar_loss(params, xs, ys), abs=1e-12)
    h = 1e-6
    for i in range(0, len(params), 7):
        up, down = list(params), list(params)
        up[i] += h
        down[i] -= h
        numeric = (networks.plain_scalar_loss(up, xs, ys) - networks.plain_scalar_loss(down, xs, ys)) / (2 * h)
        assert float(grads[i]) == pytest.approx(numeric, abs=1e-6)


def test_tape_holds_the_activations_a_handwritten_backward_keeps():
    config = networks.ARRAY_CONFIGS[0]  # 2x16, batch 64
    params, X, Y = networks.make_problem(config)
    _, _, kept = networks.numpy_value_and_grad(params, X, Y)
    _, _, tape = suite.tape_value_and_grad(networks.dk_loss, params, X, Y)
    stats = tape.stats()
    # Hand-written: two hidden outputs (64x16) and the residual (64x1), 8 bytes each.
    assert kept == 8 * (2 * 64 * 16 + 64)
    # The tape keeps the same, plus the squared residual that `mean`'s rule reads, plus the
    # two hidden pre-activations: tanh's rule reads its input, since 1 - out**2 (the
    # hand-written form) cancels and loses every digit past |x| ~ 19.
    assert stats["bytes_intermediate"] == kept + 8 * 64 + 8 * 2 * 64 * 16
    # ... and references X and the weight matrices its matmul rules read (not biases, not Y).
    weights = sum(p.nbytes for p in params[0::2])
    assert stats["bytes_held"] == stats["bytes_intermediate"] + X.nbytes + weights
    assert stats["nodes"] == 2 * 3 + 2 + 3  # (matmul, add, tanh) x 2, matmul, add, subtract, multiply, mean


def test_a_peer_that_cannot_be_imported_is_missing_not_an_error():
    ghost = peers.Peer("ghost", ("diffkit_no_such_module_for_bench",), "ghost", "a peer that is not installed")
    status, modules = peers.load(ghost)
    assert not status.available and modules == ()
    assert status.reason.startswith("ModuleNotFoundError")


def _hide_modules(monkeypatch, hidden):
    real_import = peers.importlib.import_module

    def import_module(name, *args, **kwargs):
        if name.split(".")[0] in hidden:
            raise ImportError(f"No module named '{name}' (hidden by the test)")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(peers.importlib, "import_module", import_module)


def test_a_hidden_peer_is_reported_missing(monkeypatch):
    _hide_modules(monkeypatch, {"torch"})
    torch_peer = next(p for p in peers.PEERS if p.name == "torch")
    status, _ = peers.load(torch_peer)
    assert not status.available
    assert "hidden by the test" in status.reason


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    """One `diffkit bench --quick` run with torch, jax and autograd hidden."""
    out = tmp_path_factory.mktemp("bench")
    monkeypatch = pytest.MonkeyPatch()
    try:
        _hide_modules(monkeypatch, {"torch", "jax", "autograd"})
        assert main(["bench", "--quick", "--out", str(out)]) == 0
    finally:
        monkeypatch.undo()
    return out


@pytest.mark.slow
def test_quick_run_writes_every_section(quick_report):
    text = (quick_report / "index.md").read_text(encoding="utf-8")
    for heading in report.SECTIONS:
        assert heading in text
    for name in ("torch", "jax", "jax-jit", "autograd"):
        assert f"| {name} | **missing** (ImportError: No module named" in text
    for image in ("time_vs_params.png", "ratio_vs_params.png", "symbolic_stages.png"):
        assert (quick_report / image).stat().st_size > 1000
        assert f"]({image})" in text
    results = json.loads((quick_report / "results.json").read_text(encoding="utf-8"))
    assert [e["config"] for e in results["arrays"]] == ["2x16", "4x64"]
    timed = {suite.FORWARD, suite.HANDWRITTEN, suite.API, suite.API_VALUE, suite.API_RESULT, suite.COMPILED, suite.TAPE}
    for entry in results["arrays"]:
        for name in timed - {suite.FORWARD}:
            assert entry["max_abs_difference"][name] <= 1e-12, name
        assert set(entry["timings"]) == timed
    # f(x), 7 evaluations measuring f's rounding noise, f(x +- h) and f(x +- h/2) per entry
    assert results["fd"][0]["evaluations"] == 1 + 7 + 4 * 561
    assert {m for e in results["symbolic"] for m in e["methods"]} == {"symbolic", "symbolic-cse"}
    scalar = results["scalar"]
    assert set(scalar["timings"]) >= {suite.PLAIN_PYTHON, suite.API_LIST, suite.API_POSITIONAL, suite.COMPILED, suite.TAPE}
    for name in (suite.API_LIST, suite.API_POSITIONAL, suite.COMPILED):
        assert scalar["max_abs_difference_vs_tape"][name] <= 1e-14, name
    assert "not measured" in text  # 4x256 and 8x512 are not part of a quick run
    assert results["environment"]["allocator"] == environment.SETTLED_ALLOCATOR  # this machine runs glibc
    assert f"| allocator | {environment.SETTLED_ALLOCATOR} |" in text
    # The timing tables name the internal tape as such; the goals speak of what users call.
    assert "| internal tape (not what users call) |" not in text.split("## Goals")[1].split("## MLP")[0]
    assert f"| {suite.TAPE} |" in text or f" {suite.TAPE} |" in text
    peak = {m["candidate"]: m for m in results["peak_memory"]["measurements"]}
    assert set(peak) == {suite.HANDWRITTEN, suite.API, suite.COMPILED, suite.TAPE}
    weights = 8 * networks.ARRAY_CONFIGS[3].num_params
    for name, measured in peak.items():  # one gradient at 8x512 needs at least its own 1.8 M entries
        assert "error" not in measured, measured
        assert measured["traced_bytes"] >= weights and measured["resident_bytes"] > 0


@pytest.mark.slow
def test_readme_section_is_generated_from_the_report(quick_report, tmp_path):
    path = tmp_path / "README.md"
    path.write_text(f"# x\n\n{readme.START}\nold text\n{readme.END}\n\nafter\n", encoding="utf-8")
    assert main(["bench", "--update-readme", "--out", str(quick_report), "--readme", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    assert "old text" not in text and text.endswith(f"{readme.END}\n\nafter\n")
    results = report.load_results(quick_report)
    ratio = results["arrays"][0]["timings"][suite.API]["ratio"]
    assert f"| 2x16 | 561 | " in text and f"{ratio:.1f}x" in text
    header = next(line for line in text.splitlines() if line.startswith("| depth x width"))
    assert header.index(suite.API) < header.index(suite.TAPE)  # what users call comes first


def test_readme_without_markers_is_refused(tmp_path):
    path = tmp_path / "README.md"
    path.write_text("# no markers here\n", encoding="utf-8")
    with pytest.raises(InputError, match="bench:start"):
        readme.update_readme(path, {})


def test_bench_without_results_names_the_command_to_run(tmp_path, capsys):
    assert main(["bench", "--report-only", "--out", str(tmp_path / "empty")]) == 2
    assert "run `diffkit bench --out" in capsys.readouterr().err


def test_side_by_side_timing_interleaves_the_candidates():
    calls = []
    timings = time_side_by_side(
        {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=3, warmup=1, min_seconds=0.0
    )
    assert set(timings) == {"a", "b"} and all(t.repeats == 3 for t in timings.values())
    # warm-up, one calibration call each, then rounds of one sample per candidate, each sample
    # after an untimed call (the garbage collection before it has swept the caches)
    assert calls == ["a", "b", "a", "b"] + ["a", "a", "b", "b"] * 3


def _fake_results(api_small, api_large, torch_large, list_median, micrograd):
    """Results with medians in seconds: hand-written backward 1, internal tape 0.95 x dk.grad."""

    def entry(label, api, torch):
        timings = {suite.HANDWRITTEN: 1.0, suite.API: api, suite.API_VALUE: api, suite.API_RESULT: api,
                   suite.COMPILED: 0.9, suite.TAPE: api / 1.05, "torch": torch}
        return {"config": label, "timings": {n: {"median": m, "ratio": m} for n, m in timings.items()},
                "memory": {"ratio": 1.0}}

    scalar = {suite.API_LIST: list_median, suite.API_POSITIONAL: list_median, suite.TAPE: list_median / 1.05,
              "micrograd": micrograd}
    return {
        "arrays": [entry("2x16", api_small, 9.0), entry("4x256", api_large, torch_large),
                   entry("8x512", api_large, torch_large)],
        "scalar": {"timings": {n: {"median": m, "ratio": m} for n, m in scalar.items()}},
        "peak_memory": {"config": "8x512", "measurements": [
            {"candidate": suite.HANDWRITTEN, "resident_bytes": 100, "traced_bytes": 100},
            {"candidate": suite.API, "resident_bytes": 130, "traced_bytes": 120}]},
        "fd": [{"config": "2x16", "overhead": 0.1}],
        "symbolic": [],
    }


def test_goals_are_judged_from_the_ratios():
    goals = {g["goal"]: g["met"] for g in targets.evaluate(_fake_results(2.5, 1.1, 1.1, 1.0, 3.0))}
    assert goals["2x16: dk.grad <= 2.5x the hand-written NumPy backward"] is True
    assert goals["4x256: dk.grad <= 1.1x the hand-written NumPy backward"] is True
    assert goals["8x512: dk.grad no slower than torch eager"] is True  # 1.1 s against 1.1 s
    assert goals["dk.grad adds at most 10% to recording + one backward pass, at every MLP size"] is True
    assert goals["scalar program: dk.grad at least 3x faster than micrograd, either way of passing the parameters"] is True
    assert goals["peak resident memory of one dk.grad gradient at 8x512 <= 1.3x the hand-written backward's"] is True
    assert goals["dk.compile_grad faster than the uncompiled internal tape at every MLP size"] is True
    assert goals["2x16: dk.compile_grad within 2x of jax.jit(jax.grad)"] is None  # jax not in these results
    assert goals["fd-central: at most 20% overhead on its forward passes (4n + 8)"] is True
    assert goals["symbolic-cse derivation (diff + CSE) no slower than SymPy's plain diff"] is None
    goals = {g["goal"]: g["met"] for g in targets.evaluate(_fake_results(2.6, 1.2, 1.1, 1.0, 2.9))}
    assert goals["2x16: dk.grad <= 2.5x the hand-written NumPy backward"] is False
    assert goals["8x512: dk.grad <= 1.1x the hand-written NumPy backward"] is False
    assert goals["4x256: dk.grad no slower than torch eager"] is False
    assert goals["scalar program: dk.grad at least 3x faster than micrograd, either way of passing the parameters"] is False
    assert goals["dk.compile_grad faster than the uncompiled internal tape at every MLP size"] is True


@pytest.mark.parametrize(
    "text, message",
    [
        ("{broken", "is not valid JSON (Expecting property name enclosed in double quotes"),
        ('{"arrays": []}', "does not hold diffkit bench results (it has no quick, environment, peers, fd, symbolic, scalar)"),
        ("[1, 2]", "does not hold diffkit bench results (it has no quick, environment, peers, arrays"),
    ],
    ids=["not-json", "missing-keys", "a-list"],
)
def test_report_only_from_a_damaged_results_file_names_it(text, message, tmp_path, capsys):
    (tmp_path / "results.json").write_text(text, encoding="utf-8")
    assert main(["bench", "--report-only", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"diffkit: error: {tmp_path / 'results.json'} {message}") and "Traceback" not in error
    assert f"rerun `diffkit bench --out {tmp_path}` to measure again" in error
    assert not (tmp_path / "index.md").exists()


def test_update_readme_into_a_missing_folder_names_the_file(tmp_path, capsys):
    readme_path = tmp_path / "missing" / "README.md"
    sections = {key: [] for key in report.RESULT_KEYS}
    (tmp_path / "results.json").write_text(json.dumps(sections), encoding="utf-8")
    assert main(["bench", "--update-readme", "--out", str(tmp_path), "--readme", str(readme_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"diffkit: error: cannot read the README {readme_path} (No such file or directory): "
                            "give --readme the Markdown file that holds the benchmark section")
    assert "Traceback" not in error and not readme_path.parent.exists()


def test_the_allocator_is_settled_through_glibcs_mallopt_and_says_so_elsewhere(monkeypatch):
    assert environment.settle_allocator() == environment.SETTLED_ALLOCATOR  # twice is as good as once
    monkeypatch.setattr(environment.platform, "libc_ver", lambda: ("", ""))
    assert environment.settle_allocator().startswith("the platform's default allocator (not glibc")


def test_a_report_folder_that_cannot_be_made_is_refused_before_measuring(tmp_path, capsys):
    (tmp_path / "a_file").write_text("", encoding="utf-8")
    assert main(["bench", "--quick", "--out", str(tmp_path / "a_file")]) == 2
    assert "is an existing file, not a folder: give --out a folder" in capsys.readouterr().err
    assert main(["bench", "--quick", "--out", "/proc/no_such_folder"]) == 2
    assert "cannot create the report folder /proc/no_such_folder" in capsys.readouterr().err


def test_a_misspelt_peer_is_refused_before_measuring(capsys):
    # Before, the whole benchmark ran, then listed 'torh' among the peers not installed
    assert main(["bench", "--quick", "--peers", "torh"]) == 2
    assert "--peers: no peer named 'torh' (did you mean 'torch'?)" in capsys.readouterr().err
