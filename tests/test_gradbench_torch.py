"""GradBench's problems written in PyTorch from the evals' definitions: objective and
gradient agree with diffkit's programs. GMM and LSTM use the bench's PyTorch code
(diffkit.bench.gradbench_peers); the others are written here."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.bench import gradbench_peers
from diffkit.bench.gradbench import problem_inputs
from diffkit.programs.benchmark import ba, kmeans, llsq

torch = pytest.importorskip("torch", reason="PyTorch is not installed: pip install torch==2.13.0")


def _t(array, grad=False):
    return torch.tensor(np.asarray(array, dtype=float), dtype=torch.float64, requires_grad=grad)


def _compare(program, torch_objective, rtol=1e-12):
    leaves = [_t(a, grad=True) for a in program.args[: len(np.atleast_1d(program.argnums))]]
    value = torch_objective(*leaves)
    grads = torch.autograd.grad(value, leaves)
    result = program.gradient("tape")
    assert result.value == pytest.approx(value.item(), rel=rtol)
    ours = result.grad if isinstance(result.grad, tuple) else (result.grad,)
    for mine, theirs in zip(ours, grads):
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=rtol, atol=rtol * float(theirs.abs().max()))


@pytest.mark.parametrize("problem, settings", [("gmm", dict(d=3, k=4, n=20)), ("lstm", dict(l=2, c=5))])
def test_gmm_and_lstm_match_pytorch(problem, settings):
    objective, args, argnums, data = problem_inputs(problem, settings)
    torch_objective, torch_gradient, grads_of = gradbench_peers.torch_adapter(problem)((torch,), args, data)
    result = dk.gradient(objective, *args, argnums=argnums)
    assert result.value == pytest.approx(float(torch_objective()), rel=1e-12)
    for mine, theirs in zip(result.grad, grads_of(torch_gradient())):
        np.testing.assert_allclose(mine, theirs, rtol=1e-11, atol=1e-13)


def test_lse_matches_pytorch():
    _compare(dk.get_program("lse", n=7), lambda x: torch.logsumexp(x, 0))


def test_llsq_matches_pytorch():
    t, s = llsq.sample_points(9)
    _compare(dk.get_program("llsq", m=4, n=9),
             lambda x: 0.5 * ((_t(s) - _t(llsq.vandermonde(t, 4)) @ x) ** 2).sum())


def test_det_matches_pytorch():
    _compare(dk.get_program("det", ell=4), torch.linalg.det)


def test_ode_matches_pytorch():
    def rk4_last(x, steps=3):
        h = 2.0 / steps
        y = torch.zeros_like(x)

        def rate(y):
            return torch.cat([x[:1], x[1:] * y[:-1]])

        for _ in range(steps):
            k1 = rate(y)
            k2 = rate(y + h / 2 * k1)
            k3 = rate(y + h / 2 * k2)
            k4 = rate(y + h * k3)
            y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return y[-1]

    _compare(dk.get_program("ode", n=6, s=3), rk4_last)


def test_kmeans_cost_gradient_and_hessian_diagonal_match_pytorch():
    data = kmeans.generate_kmeans(3, 15, 2)
    points = _t(data["points"])

    def cost(c):
        return ((points[:, None, :] - c[None, :, :]) ** 2).sum(2).min(1).values.sum()

    _compare(dk.get_program("kmeans", k=3, n=15, d=2), cost)
    centroids = _t(data["centroids"])
    _, hvp = torch.autograd.functional.vhp(cost, centroids, torch.ones_like(centroids))
    np.testing.assert_array_equal(kmeans.hessian_diagonal(data["centroids"], data["points"]), hvp.numpy())


def test_ba_matches_pytorch():
    program = dk.get_program("ba", n=2, m=3, p=5)
    one = ba.generate_ba()
    data = ba.repeat_problem(one["cam"], one["x"], one["w"], one["feat"], 2, 3, 5)
    obs = torch.tensor(data["obs"])
    feats = _t(data["feats"])

    def rotate(r, X):
        theta = torch.sqrt((r * r).sum(1, keepdim=True))
        axis = r / theta
        return (X * torch.cos(theta) + torch.cross(axis, X, dim=1) * torch.sin(theta)
                + axis * (axis * X).sum(1, keepdim=True) * (1 - torch.cos(theta)))

    def cost(cams, X, w):
        c, x = cams[obs[:, 0]], X[obs[:, 1]]
        seen = rotate(c[:, :3], x - c[:, 3:6])
        image = seen[:, :2] / seen[:, 2:]
        radius = (image * image).sum(1, keepdim=True)
        projected = image * (1 + c[:, 9:10] * radius + c[:, 10:11] * radius**2) * c[:, 6:7] + c[:, 7:9]
        reprojection = w[:, None] * (projected - feats)
        return 0.5 * ((reprojection**2).sum() + ((1 - w * w) ** 2).sum())

    _compare(program, cost, rtol=1e-11)
