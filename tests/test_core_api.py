"""The public API, the method registry, documented statistics and packaging."""

import ast
import pathlib
import re

import numpy as np
import pytest

import diffkit as dk

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORE_METHODS = ["fd-forward", "fd-central", "fd-richardson", "fd-complex", "symbolic", "symbolic-cse", "tape"]


def f(x, y, z):
    return (x + y) * z


def test_the_issue_example():
    assert dk.grad(f, argnums=(0, 1, 2))(-2.0, 5.0, -4.0) == (-4.0, -4.0, 3.0)
    assert dk.grad(f, argnums=(0, 1, 2), method="symbolic")(-2.0, 5.0, -4.0) == (-4.0, -4.0, 3.0)
    r = dk.gradient(f, -2.0, 5.0, -4.0, argnums=(0, 1, 2), method="fd-central")
    assert r.value == -12.0 and r.method == "fd-central"
    np.testing.assert_allclose(r.grad, (-4.0, -4.0, 3.0), atol=1e-8)
    # f(x), 7 more on the line measuring f's rounding noise, f(x +- h) and f(x +- h/2) per entry
    assert r.stats["evaluations"] == 1 + 7 + 4 * 3 and r.stats["noise_evaluations"] == 7
    assert set(CORE_METHODS) <= set(dk.methods())


def test_value_and_grad_and_single_argnum():
    value, grad = dk.value_and_grad(f, argnums=2)(-2.0, 5.0, -4.0)
    assert value == -12.0 and grad == 3.0  # a single argnum gives a bare gradient, not a tuple
    assert dk.grad(f)(-2.0, 5.0, -4.0) == -4.0  # argnums=0 by default
    assert dk.grad(f, argnums=-1)(-2.0, 5.0, -4.0) == 3.0
    assert dk.grad(f, argnums=[0, 2])(-2.0, 5.0, -4.0) == (-4.0, 3.0)


def test_method_names_cannot_be_confused():
    # Forward *differences* are not forward *mode*: every difference method says "fd-".
    for name in dk.methods():
        method = dk.get_method(name)
        assert method.name == name and method.summary
        if "difference" in method.summary and "mode" not in name:
            assert name.startswith("fd-")


def test_gradient_result_holds_symbolic_expressions():
    result = dk.gradient(f, -2.0, 5.0, -4.0, argnums=(0, 1, 2), method="symbolic")
    assert str(result.expressions["value"]) == "z*(x + y)"
    assert [str(d) for d in result.expressions["grad"]] == ["z", "z", "x + y"]


def documented_stats():
    """The statistics keys the README's method table names, per method."""
    table = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        match = re.match(r"\| `([\w-]+)` \|.*\| (.*) \|$", line)
        if not match or match.group(1) not in CORE_METHODS:
            continue
        name, column = match.groups()
        same_as = re.fullmatch(r"as `([\w-]+)`", column.strip())
        table[name] = table[same_as.group(1)] if same_as else set(re.findall(r"`(\w+)`", column))
    return table


def test_every_documented_statistic_is_reported():
    documented = documented_stats()
    assert set(documented) == set(CORE_METHODS)

    def program(x, W):
        return dk.sum(dk.tanh(x @ W))

    x, W = np.ones((2, 3)), np.full((3, 2), 0.1)
    for name in CORE_METHODS:
        stats = dk.gradient(program, x, W, argnums=(0, 1), method=name).stats
        assert documented[name], name
        missing = documented[name] - set(stats)
        assert not missing, f"{name} does not report {missing}"
        assert stats["seconds"] >= 0


def test_symbolic_sizes_are_consistent():
    def swell(x, y):
        z = dk.exp(x * y)
        return z * z + dk.sin(z)

    stats = dk.gradient(swell, 0.3, 0.4, argnums=(0, 1), method="symbolic").stats
    # exp(x*y) is shared, so the DAG is smaller than the tree and CSE no larger than the DAG.
    assert stats["derivative_dag_size"] < stats["derivative_tree_size"]
    assert stats["derivative_cse_size"] <= stats["derivative_tree_size"]
    assert stats["forward_cse_size"] <= stats["forward_tree_size"]
    for key in ("trace_time", "derivation_time", "cse_time", "compile_time", "evaluation_time"):
        assert stats[key] >= 0
    assert "cse_time" not in dk.gradient(swell, 0.3, 0.4, method="symbolic", measure_cse=False).stats


def test_finite_difference_options():
    r = dk.gradient(lambda x: x**3, 2.0, method="fd-central", step=1e-3)
    assert r.stats["step_min"] == r.stats["step_max"] == pytest.approx(1e-3, rel=1e-6)
    assert r.grad == pytest.approx(12.0, abs=1e-5)  # error h^2 = 1e-6 exactly for a cubic
    r = dk.gradient(lambda x: dk.exp(x), 1.0, method="fd-richardson", levels=2)
    steps = r.stats["steps_per_entry_max"]  # the adaptive search takes 3 to 15 steps, two evaluations each
    assert 3 <= steps <= 15 and r.stats["evaluations"] == 1 + 7 + 2 * steps
    assert r.grad == pytest.approx(np.e, rel=1e-12)


def test_core_source_parses_as_python_3_10():
    sources = sorted((ROOT / "diffkit").rglob("*.py"))
    assert len(sources) > 50
    for path in sources:
        ast.parse(path.read_text(), filename=str(path), feature_version=(3, 10))


def test_packaging_metadata():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the package itself needs 3.10
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "diffkit" and project["requires-python"] == ">=3.10"
    runtime = " ".join(project["dependencies"])
    for dependency in ("numpy", "sympy", "matplotlib"):
        assert dependency in runtime
    dev = " ".join(project["optional-dependencies"]["dev"])
    assert "pytest" in dev and "hypothesis" in dev
    # The README's test command and CI's are the same: install with the dev extra, run pytest.
    for text in ((ROOT / "README.md").read_text(), (ROOT / ".ci" / "run").read_text()):
        assert re.search(r'pip install (-q )?-e "\.\[dev\]" && python -m pytest -q', text)


def test_expression_sizes_without_expanding_the_dag():
    import sympy

    from diffkit.engines.expression_size import cse_size, dag_size, tree_size

    x = sympy.Symbol("x")
    expression = sympy.sin(x)
    for _ in range(60):
        expression = expression + sympy.sin(expression)  # the previous sum is used twice
    # Written out as a tree the size doubles each step: T(n) = 2 T(n-1) + 2, T(0) = 1.
    assert tree_size(expression) == 3 * 2**60 - 2
    # Distinct nodes: n + 1 sines, and sums of 1, 2, ..., n operations (Add is n-ary).
    assert dag_size(expression) == 61 + 60 * 61 // 2
    # sin(x) computed once after CSE: sin, square (one power), cos, add.
    shared = sympy.sin(x) ** 2 + sympy.cos(sympy.sin(x))
    assert tree_size(shared) == 5 and cse_size([shared])[0] == 4
