"""Each GradBench eval's functions, on diffkit's benchmark programs.

A module turns the eval's JSON input into arrays once (``prepare``); each function
computes on them (the timed part) and writes its output in the eval's JSON format
(``present``). ``prepare`` checks every field against the eval's format first (counts
are integers, arrays have the shapes the counts give, entries are numbers), so that an
input the program would misread (broadcast, reshape, truncate) is an InputError naming
the field, what was given and what the eval expects, never a silently wrong answer.
Gradients and Jacobians go through the public ``dk.gradient`` with the tool's method (the
tape unless ``--method`` says otherwise); ``saddle`` and ``particle`` name their nesting in
the function itself (``rf``: the tape outside, forward mode inside).
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import errors
from ..api import gradient
from ..core.values import short_repr
from ..programs.benchmark import ba, det, gmm, kmeans, llsq, lse, lstm, ode, particle, saddle
from ..programs.benchmark.modes import VARIANTS
from ..programs.program import check_count, check_real

BA_SHOWN = 30  # the eval keeps the first 30 entries of each sparse list, and the last


@dataclass(frozen=True)
class Function:
    compute: Callable  # state -> result
    present: Callable  # (result, state) -> JSON-ready output


@dataclass(frozen=True)
class Module:
    prepare: Callable  # (eval's input, method) -> state
    functions: dict
    fields: tuple  # the input's fields prepare reads, checked present before it runs


def _float(result, state=None):
    return float(np.asarray(result))


def _list(result, state=None):
    return np.asarray(result, dtype=float).tolist()


def _array(data, name, shape, expected):
    """``data[name]`` as a float array of ``shape`` (``None``: any length of at least 1).

    JSON gives nested lists; each entry must be a number (not a string, ``null`` or a
    boolean, which NumPy would read as a number or NaN) and the nesting must have the
    shape exactly, so nothing is broadcast or reshaped. ``expected`` says it in words.
    """
    value = data[name]
    try:
        entries = np.asarray(value, dtype=object)
    except ValueError:  # nesting too uneven for NumPy to lay out
        entries = np.empty(0, dtype=object)
    numbers = all(type(v) in (int, float) for v in entries.flat)
    fits = entries.ndim == len(shape) and all(
        size == want if want is not None else size >= 1 for size, want in zip(entries.shape, shape))
    if not (numbers and fits):
        raise errors.InputError(f"{name} must be {expected}; got {short_repr(value)}")
    return entries.astype(float)


# --- gmm -----------------------------------------------------------------------------------------
def _gmm_prepare(data, method):
    d, k, n = (check_count(data[name], name, 1) for name in ("d", "k", "n"))
    gamma = check_real(data["gamma"], "gamma")
    if gamma <= 0:
        raise errors.InputError(f"gamma must be a number > 0 (the Wishart prior's scale); got {gamma!r}")
    lower = d * (d - 1) // 2
    arrays = {name: _array(data, name, shape, f"{text} numbers ({' x '.join(map(str, shape))} here)")
              for name, shape, text in (("alpha", (k,), "k"), ("mu", (k, d), "k x d"), ("q", (k, d), "k x d"),
                                        ("l", (k, lower), "k x d(d-1)/2"), ("x", (n, d), "n x d"))}
    return dict(arrays, m=check_count(data["m"], "m"), gamma=gamma, method=method)


def _gmm_args(s):
    return s["alpha"], s["mu"], s["q"], s["l"], s["x"], s["m"], s["gamma"]


def _gmm_jacobian(s):
    return gradient(gmm.gmm_objective, *_gmm_args(s), argnums=(0, 1, 2, 3), method=s["method"]).grad


def _gmm_present(grads, state):
    return {name: np.asarray(g).tolist() for name, g in zip(("alpha", "mu", "q", "l"), grads)}


GMM = Module(_gmm_prepare, {
    "objective": Function(lambda s: gmm.gmm_objective(*_gmm_args(s)), _float),
    "jacobian": Function(_gmm_jacobian, _gmm_present),
}, ("d", "k", "n", "alpha", "mu", "q", "l", "x", "m", "gamma"))


# --- lse, llsq, det, ode -------------------------------------------------------------------------
def _vector(data, name="x"):
    return _array(data, name, (None,), "a list of at least one number")


def _x_prepare(data, method):
    return {"x": _vector(data), "method": method}


LSE = Module(_x_prepare, {
    "primal": Function(lambda s: lse.logsumexp(s["x"]), _float),
    "gradient": Function(lambda s: gradient(lse.logsumexp, s["x"], method=s["method"]).grad, _list),
}, ("x",))


def _llsq_prepare(data, method):
    x = _vector(data)
    t, targets = llsq.sample_points(check_count(data["n"], "n", 2))
    return {"x": x, "powers": llsq.vandermonde(t, x.size), "targets": targets, "method": method}


def _llsq_gradient(s):
    return gradient(llsq.llsq_objective, s["x"], s["powers"], s["targets"], method=s["method"]).grad


LLSQ = Module(_llsq_prepare, {
    "primal": Function(lambda s: llsq.llsq_objective(s["x"], s["powers"], s["targets"]), _float),
    "gradient": Function(_llsq_gradient, _list),
}, ("x", "n"))


def _det_prepare(data, method):
    ell = check_count(data["ell"], "ell", 1)
    A = _array(data, "A", (ell * ell,), f"ell*ell = {ell * ell} numbers, the matrix row by row")
    return {"A": A.reshape(ell, ell), "method": method}


DET = Module(_det_prepare, {
    "primal": Function(lambda s: det.det_by_minors(s["A"]), _float),
    "gradient": Function(lambda s: gradient(det.det_by_minors, s["A"], method=s["method"]).grad,
                         lambda g, s: np.asarray(g).reshape(-1).tolist()),
}, ("A", "ell"))


def _ode_prepare(data, method):
    return {"x": _vector(data), "s": check_count(data["s"], "s", 1), "method": method}


def _ode_last(x, steps):
    return ode.ode_solution(x, steps)[-1]


ODE = Module(_ode_prepare, {
    "primal": Function(lambda s: ode.ode_solution(s["x"], s["s"]), _list),
    "gradient": Function(lambda s: gradient(_ode_last, s["x"], s["s"], method=s["method"]).grad, _list),
}, ("x", "s"))


# --- lstm ----------------------------------------------------------------------------------------
def _lstm_prepare(data, method):
    """The sequence (c x b, c >= 2: the loss predicts each next character) fixes b; the state
    (2l x b, a hidden and a cell row per layer) fixes l; the parameters must fit both."""
    sequence = _array(data, "sequence", (None, None), "a c x b array of numbers (c characters of b bits)")
    c, b = sequence.shape
    if c < 2:
        raise errors.InputError(f"sequence must hold at least 2 characters (the loss predicts each next one); "
                                f"got {c}")
    state = _array(data, "state", (None, b), f"a 2l x b array of numbers (b = {b}, the sequence's columns)")
    if state.shape[0] % 2:
        raise errors.InputError(f"state must have 2 rows per layer (hidden, cell); got {state.shape[0]}")
    l = state.shape[0] // 2
    return {"main_params": _array(data, "main_params", (2 * l, 4 * b), f"a 2l x 4b array of numbers ({2 * l} x {4 * b} "
                                  f"here: l = {l} from the state, b = {b} from the sequence)"),
            "extra_params": _array(data, "extra_params", (3, b), f"a 3 x b array of numbers (3 x {b} here)"),
            "state": state, "sequence": sequence, "method": method}


def _lstm_args(s):
    return s["main_params"], s["extra_params"], s["state"], s["sequence"]


def _lstm_jacobian(s):
    return gradient(lstm.lstm_objective, *_lstm_args(s), argnums=(0, 1), method=s["method"]).grad


LSTM = Module(_lstm_prepare, {
    "objective": Function(lambda s: lstm.lstm_objective(*_lstm_args(s)), _float),
    "jacobian": Function(_lstm_jacobian, lambda g, s: np.concatenate([np.ravel(part) for part in g]).tolist()),
}, ("main_params", "extra_params", "state", "sequence"))


# --- ba ------------------------------------------------------------------------------------------
def _ba_prepare(data, method):
    n, m, p = (check_count(data[name], name, 1) for name in ("n", "m", "p"))
    cam = _array(data, "cam", (11,), "11 numbers: rotation (3), centre (3), focal length, principal point (2), "
                                     "distortion (2)")
    x = _array(data, "x", (3,), "3 numbers, a point")
    feat = _array(data, "feat", (2,), "2 numbers, a feature position")
    problem = ba.repeat_problem(cam, x, check_real(data["w"], "w"), feat, n, m, p)
    return dict(problem, n=n, m=m, method=method)


def _ba_args(s):
    return s["cams"], s["X"], s["w"], s["obs"], s["feats"]


def _ba_objective_present(errors_pair, state):
    reprojection, weight = (np.asarray(e, dtype=float) for e in errors_pair)
    return {"reproj_error": {"elements": reprojection.reshape(-1)[:2].tolist(), "repeated": int(reprojection.shape[0])},
            "w_err": {"element": float(weight[0]), "repeated": int(weight.size)}}


def _ba_jacobian(s):
    blocks, slopes = ba.jacobian_blocks(*_ba_args(s), method=s["method"])
    return ba.sparse_jacobian(blocks, slopes, s["obs"], s["n"], s["m"])


def _shown(values):
    values = list(values)
    return values[:BA_SHOWN] + values[-1:]


def _ba_jacobian_present(sparse, state):
    starts, columns, values = sparse
    return {"rows": [int(v) for v in _shown(starts)], "cols": [int(v) for v in _shown(columns)],
            "vals": [float(v) for v in _shown(values)]}


BA = Module(_ba_prepare, {
    "objective": Function(lambda s: ba.ba_errors(*_ba_args(s)), _ba_objective_present),
    "jacobian": Function(_ba_jacobian, _ba_jacobian_present),
}, ("cam", "x", "w", "feat", "n", "m", "p"))


# --- kmeans ---------------------------------------------------------------------------------------
def _kmeans_prepare(data, method):
    points = _array(data, "points", (None, None), "an n x d array of numbers (n >= 1 points)")
    d = points.shape[1]
    centroids = _array(data, "centroids", (None, d), f"a k x d array of numbers (k >= 1; d = {d}, as the points)")
    return {"points": points, "centroids": centroids, "method": method}


KMEANS = Module(_kmeans_prepare, {
    "cost": Function(lambda s: kmeans.kmeans_cost(s["centroids"], s["points"]), _float),
    "dir": Function(lambda s: kmeans.newton_direction(s["centroids"], s["points"], method=s["method"]), _list),
}, ("points", "centroids"))


# --- saddle, particle: the variant is the function's name ---------------------------------------------
def _saddle_prepare(data, method):
    return {"start": tuple(_array(data, "start", (2,), "a pair of numbers, e.g. [1.0, 1.0]").tolist())}


def _particle_prepare(data, method):
    return {"w": check_real(data["w"], "w")}


SADDLE = Module(_saddle_prepare, {
    variant: Function(lambda s, variant=variant: saddle.solve_saddle(s["start"], variant), _list)
    for variant in VARIANTS
}, ("start",))
PARTICLE = Module(_particle_prepare, {
    variant: Function(lambda s, variant=variant: particle.solve_particle(s["w"], variant), _float)
    for variant in VARIANTS
}, ("w",))

MODULES = {"gmm": GMM, "lse": LSE, "llsq": LLSQ, "det": DET, "ode": ODE, "lstm": LSTM, "ba": BA,
           "kmeans": KMEANS, "saddle": SADDLE, "particle": PARTICLE}
