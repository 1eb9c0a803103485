"""Each GradBench eval's functions, on diffkit's benchmark programs.

A module turns the eval's JSON input into arrays once (``prepare``); each function
computes on them (the timed part) and writes its output in the eval's JSON format
(``present``). Gradients and Jacobians go through the public ``dk.gradient`` with the
tool's method (the tape unless ``--method`` says otherwise); ``saddle`` and ``particle``
name their nesting in the function itself (``rf``: the tape outside, forward mode inside).
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..api import gradient
from ..programs.benchmark import ba, det, gmm, kmeans, llsq, lse, lstm, ode, particle, saddle
from ..programs.benchmark.modes import VARIANTS

BA_SHOWN = 30  # the eval keeps the first 30 entries of each sparse list, and the last


@dataclass(frozen=True)
class Function:
    compute: Callable  # state -> result
    present: Callable  # (result, state) -> JSON-ready output


@dataclass(frozen=True)
class Module:
    prepare: Callable  # (eval's input, method) -> state
    functions: dict


def _float(result, state=None):
    return float(np.asarray(result))


def _list(result, state=None):
    return np.asarray(result, dtype=float).tolist()


def _array(value):
    return np.asarray(value, dtype=float)


# --- gmm -----------------------------------------------------------------------------------------
def _gmm_prepare(data, method):
    arrays = {name: _array(data[name]) for name in ("alpha", "mu", "q", "l", "x")}
    k, d = int(data["k"]), int(data["d"])
    arrays["l"] = arrays["l"].reshape(k, d * (d - 1) // 2)
    return dict(arrays, m=int(data["m"]), gamma=float(data["gamma"]), method=method)


def _gmm_args(s):
    return s["alpha"], s["mu"], s["q"], s["l"], s["x"], s["m"], s["gamma"]


def _gmm_jacobian(s):
    return gradient(gmm.gmm_objective, *_gmm_args(s), argnums=(0, 1, 2, 3), method=s["method"]).grad


def _gmm_present(grads, state):
    return {name: np.asarray(g).tolist() for name, g in zip(("alpha", "mu", "q", "l"), grads)}


GMM = Module(_gmm_prepare, {
    "objective": Function(lambda s: gmm.gmm_objective(*_gmm_args(s)), _float),
    "jacobian": Function(_gmm_jacobian, _gmm_present),
})


# --- lse, llsq, det, ode -------------------------------------------------------------------------
def _x_prepare(data, method):
    return {"x": _array(data["x"]), "method": method}


LSE = Module(_x_prepare, {
    "primal": Function(lambda s: lse.logsumexp(s["x"]), _float),
    "gradient": Function(lambda s: gradient(lse.logsumexp, s["x"], method=s["method"]).grad, _list),
})


def _llsq_prepare(data, method):
    x = _array(data["x"])
    t, targets = llsq.sample_points(int(data["n"]))
    return {"x": x, "powers": llsq.vandermonde(t, x.size), "targets": targets, "method": method}


def _llsq_gradient(s):
    return gradient(llsq.llsq_objective, s["x"], s["powers"], s["targets"], method=s["method"]).grad


LLSQ = Module(_llsq_prepare, {
    "primal": Function(lambda s: llsq.llsq_objective(s["x"], s["powers"], s["targets"]), _float),
    "gradient": Function(_llsq_gradient, _list),
})


def _det_prepare(data, method):
    ell = int(data["ell"])
    return {"A": _array(data["A"]).reshape(ell, ell), "method": method}


DET = Module(_det_prepare, {
    "primal": Function(lambda s: det.det_by_minors(s["A"]), _float),
    "gradient": Function(lambda s: gradient(det.det_by_minors, s["A"], method=s["method"]).grad,
                         lambda g, s: np.asarray(g).reshape(-1).tolist()),
})


def _ode_prepare(data, method):
    return {"x": _array(data["x"]), "s": int(data["s"]), "method": method}


def _ode_last(x, steps):
    return ode.ode_solution(x, steps)[-1]


ODE = Module(_ode_prepare, {
    "primal": Function(lambda s: ode.ode_solution(s["x"], s["s"]), _list),
    "gradient": Function(lambda s: gradient(_ode_last, s["x"], s["s"], method=s["method"]).grad, _list),
})


# --- lstm ----------------------------------------------------------------------------------------
def _lstm_prepare(data, method):
    state = {name: _array(data[name]) for name in ("main_params", "extra_params", "state", "sequence")}
    return dict(state, method=method)


def _lstm_args(s):
    return s["main_params"], s["extra_params"], s["state"], s["sequence"]


def _lstm_jacobian(s):
    return gradient(lstm.lstm_objective, *_lstm_args(s), argnums=(0, 1), method=s["method"]).grad


LSTM = Module(_lstm_prepare, {
    "objective": Function(lambda s: lstm.lstm_objective(*_lstm_args(s)), _float),
    "jacobian": Function(_lstm_jacobian, lambda g, s: np.concatenate([np.ravel(part) for part in g]).tolist()),
})


# --- ba ------------------------------------------------------------------------------------------
def _ba_prepare(data, method):
    n, m, p = int(data["n"]), int(data["m"]), int(data["p"])
    problem = ba.repeat_problem(data["cam"], data["x"], data["w"], data["feat"], n, m, p)
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
})


# --- kmeans ---------------------------------------------------------------------------------------
def _kmeans_prepare(data, method):
    return {"points": _array(data["points"]), "centroids": _array(data["centroids"]), "method": method}


KMEANS = Module(_kmeans_prepare, {
    "cost": Function(lambda s: kmeans.kmeans_cost(s["centroids"], s["points"]), _float),
    "dir": Function(lambda s: kmeans.newton_direction(s["centroids"], s["points"], method=s["method"]), _list),
})


# --- saddle, particle: the variant is the function's name ---------------------------------------------
def _saddle_prepare(data, method):
    return {"start": tuple(float(v) for v in data["start"])}


def _particle_prepare(data, method):
    return {"w": float(data["w"])}


SADDLE = Module(_saddle_prepare, {
    variant: Function(lambda s, variant=variant: saddle.solve_saddle(s["start"], variant), _list)
    for variant in VARIANTS
})
PARTICLE = Module(_particle_prepare, {
    variant: Function(lambda s, variant=variant: particle.solve_particle(s["w"], variant), _float)
    for variant in VARIANTS
})

MODULES = {"gmm": GMM, "lse": LSE, "llsq": LLSQ, "det": DET, "ode": ODE, "lstm": LSTM, "ba": BA,
           "kmeans": KMEANS, "saddle": SADDLE, "particle": PARTICLE}
