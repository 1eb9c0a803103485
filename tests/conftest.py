"""Shared helpers for diffkit's tests: the method groups and gradient comparisons."""

import numpy as np
import pytest

import diffkit as dk

# Methods that are exact up to rounding, and the finite-difference ones, by name.
EXACT_METHODS = ("tape", "symbolic", "symbolic-cse")
DIFFERENCE_METHODS = ("fd-central", "fd-richardson")
EXACT_TOL = 1e-12
DIFFERENCE_TOL = 1e-6


def flat_leaves(tree):
    """Every array of a gradient (nested tuples, lists, dicts) in a fixed order."""
    if isinstance(tree, dict):
        return [leaf for key in sorted(tree) for leaf in flat_leaves(tree[key])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in flat_leaves(item)]
    return [np.asarray(tree, dtype=float)]


def assert_same_structure(actual, expected):
    """Same containers, same keys, same shapes all the way down."""
    assert type(actual) is type(expected), f"{type(actual).__name__} != {type(expected).__name__}"
    if isinstance(expected, dict):
        assert list(actual) == list(expected)
        for key in expected:
            assert_same_structure(actual[key], expected[key])
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_same_structure(a, e)
    else:
        assert np.shape(actual) == np.shape(expected)


def assert_grad_close(actual, expected, tol, relative=False):
    """Every entry within ``tol``: absolute, or relative to the largest entry (at least 1)."""
    actual_leaves, expected_leaves = flat_leaves(actual), flat_leaves(expected)
    assert len(actual_leaves) == len(expected_leaves)
    scale = 1.0
    if relative:
        scale = max([1.0] + [float(np.max(np.abs(e))) for e in expected_leaves if e.size])
    for a, e in zip(actual_leaves, expected_leaves):
        assert a.shape == e.shape
        np.testing.assert_allclose(a, e, rtol=0, atol=tol * scale)


def check_all_methods(f, args, argnums, expected_grad, expected_value=None, with_complex=True):
    """The gradient by every exact method to 1e-12 and by finite differences to 1e-6."""
    methods = list(EXACT_METHODS) + list(DIFFERENCE_METHODS) + (["fd-complex"] if with_complex else [])
    for method in methods:
        result = dk.gradient(f, *args, argnums=argnums, method=method)
        tol = DIFFERENCE_TOL if method in DIFFERENCE_METHODS else EXACT_TOL
        try:
            assert_same_structure(result.grad, expected_grad)
            assert_grad_close(result.grad, expected_grad, tol)
            if expected_value is not None:
                assert abs(result.value - expected_value) <= EXACT_TOL * max(1.0, abs(expected_value))
        except AssertionError as exc:
            raise AssertionError(f"method {method}: {exc}") from None


@pytest.fixture
def rng():
    """A local seeded generator (never NumPy's global seed)."""
    return np.random.default_rng(20261123)


@pytest.fixture(scope="session")
def kernel_name():
    """The python3 Jupyter kernel, installed for this interpreter when the machine has none."""
    import subprocess
    import sys

    from jupyter_client.kernelspec import KernelSpecManager

    if "python3" not in KernelSpecManager().find_kernel_specs():
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--user", "--name", "python3"],
                       check=True, capture_output=True)
    return "python3"
