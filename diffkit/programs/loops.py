"""Programs with loops, from easy to impossible for symbolic differentiation.

Fixed loops (the logistic map, a tanh RNN, unrolled gradient descent) unroll under SymPy
and swell with every iteration. Data-dependent loops and branches (halving until small,
Babylonian square root, a piecewise function) decide their path from the input's value:
a tape follows the path that ran, while SymPy cannot decide the condition and stops
with a SymbolicControlFlowError. Each carries a derivative derived independently of
every method: a closed form, a polynomial, or the linear algebra of the loop.
"""

import math
from fractions import Fraction

import numpy as np

from .. import errors
from .. import ops as dk
from .program import Program, check_count, check_real, check_seed
from .registry import register_program


# --- the logistic map ------------------------------------------------------------------------
def logistic_map(x, iterations):
    """l(1) = x, l(n + 1) = 4 l(n) (1 - l(n)); returns l after ``iterations`` steps."""
    value = x
    for _ in range(iterations):
        value = 4.0 * value * (1.0 - value)
    return value


def logistic_polynomial(iterations):
    """Integer coefficients (lowest degree first) of the map composed ``iterations`` times."""
    coefficients = [0, 1]  # l(1) = x
    for _ in range(iterations):
        square = [0] * (2 * len(coefficients) - 1)
        for i, a in enumerate(coefficients):
            for j, b in enumerate(coefficients):
                square[i + j] += a * b
        padded = coefficients + [0] * (len(square) - len(coefficients))
        coefficients = [4 * (p - s) for p, s in zip(padded, square)]  # 4 l (1 - l) = 4 (l - l^2)
    return coefficients


def logistic_derivative(x, iterations):
    """d l(n+1) / dx from the derivative of the composed polynomial, evaluated exactly."""
    coefficients = logistic_polynomial(iterations)
    point = Fraction(float(x))
    total = Fraction(0)
    for degree in range(len(coefficients) - 1, 0, -1):  # Horner on the derivative
        total = total * point + degree * coefficients[degree]
    return float(total)


@register_program("logistic-map", family="loop")
def build_logistic_map(iterations=4, x=0.3):
    iterations = check_count(iterations, "iterations")
    x = check_real(x, "x")

    def logistic(x):
        return logistic_map(x, iterations)

    return Program(
        name="logistic-map",
        function=logistic,
        args=(float(x),),
        description=f"l(n+1) = 4 l(n) (1 - l(n)) for {iterations} iterations: a polynomial of degree 2**{iterations}",
        depth=iterations,
        control_flow="fixed-loop",
        exact_grad=lambda x: logistic_derivative(x, iterations),
    )


# --- a tanh recurrent network ------------------------------------------------------------------
def tanh_rnn_loss(params, inputs, target):
    """h(t) = tanh(x(t) Wx + h(t-1) Wh + b) over the sequence; squared error of h(T) v."""
    hidden = np.zeros(params["Wh"].shape[0])
    for x_t in inputs:
        hidden = dk.tanh(x_t @ params["Wx"] + hidden @ params["Wh"] + params["b"])
    prediction = dk.sum(hidden * params["v"])
    return 0.5 * (prediction - target) ** 2


@register_program("tanh-rnn", family="loop")
def build_tanh_rnn(steps=3, hidden=2, seed=0):
    steps = check_count(steps, "steps", 1)
    hidden = check_count(hidden, "hidden", 1)
    rng = np.random.default_rng(check_seed(seed))
    inputs = rng.normal(size=(steps, 2))
    scale = 1.0 / math.sqrt(hidden)
    params = {
        "Wx": rng.normal(size=(2, hidden)) * 0.5,
        "Wh": rng.normal(size=(hidden, hidden)) * scale,
        "b": rng.normal(size=hidden) * 0.1,
        "v": rng.normal(size=hidden),
    }
    target = float(rng.normal())
    return Program(
        name="tanh-rnn",
        function=tanh_rnn_loss,
        args=(params, inputs, target),
        description=f"a tanh recurrent network ({hidden} units) unrolled over {steps} steps, squared error at the end",
        depth=steps,
        control_flow="fixed-loop",
    )


# --- differentiating through gradient descent -------------------------------------------------
def unrolled_gd_loss(lr, w0, X, y, X_val, y_val, steps):
    """``steps`` of gradient descent on least squares, gradient written by hand; validation loss.

    The model is ``X w`` (the last column of X is ones: a bias). Each step uses the
    inner gradient (2/n) X^T (X w - y) written out, so the program is plain arithmetic.
    """
    n = X.shape[0]
    w = w0
    for _ in range(steps):
        residual = X @ w - y
        inner_grad = (2.0 / n) * (X.T @ residual)
        w = w - lr * inner_grad
    val_residual = X_val @ w - y_val
    return dk.mean(val_residual**2)


def unrolled_gd_closed_form(lr, w0, X, y, X_val, y_val, steps):
    """The hypergradient from the loop's linear algebra: w(k+1) = (I - lr A) w(k) + lr r.

    With A = (2/n) X^T X and r = (2/n) X^T y, dL/dw0 = M^T g with M = (I - lr A)^steps and
    g the validation gradient at the final w; dw/dlr follows dw(k+1)/dlr = (I - lr A)
    dw(k)/dlr - (A w(k) - r).
    """
    n = X.shape[0]
    A = (2.0 / n) * X.T @ X
    r = (2.0 / n) * X.T @ y
    step = np.eye(len(w0)) - lr * A
    w = np.array(w0, dtype=float)
    dw_dlr = np.zeros_like(w)
    for _ in range(steps):
        dw_dlr = step @ dw_dlr - (A @ w - r)
        w = step @ w + lr * r
    g = (2.0 / X_val.shape[0]) * X_val.T @ (X_val @ w - y_val)
    return (float(g @ dw_dlr), np.linalg.matrix_power(step, steps).T @ g)


@register_program("unrolled-gd", family="loop")
def build_unrolled_gd(steps=2, seed=0):
    steps = check_count(steps, "steps")
    rng = np.random.default_rng(check_seed(seed))
    true_w = np.array([1.5, -2.0, 0.5])

    def sample(count):
        features = rng.normal(size=(count, 2))
        X = np.hstack([features, np.ones((count, 1))])
        return X, X @ true_w + 0.1 * rng.normal(size=count)

    X, y = sample(8)
    X_val, y_val = sample(8)
    w0 = rng.normal(size=3) * 0.1
    lr = 0.1

    def unrolled_gd(lr, w0):
        return unrolled_gd_loss(lr, w0, X, y, X_val, y_val, steps)

    return Program(
        name="unrolled-gd",
        function=unrolled_gd,
        args=(lr, w0),
        argnums=(0, 1),
        description=(
            f"{steps} steps of gradient descent on least squares, inner gradient written by hand; the "
            "validation loss differentiated by the learning rate and the initial weights"
        ),
        depth=steps,
        control_flow="fixed-loop",
        exact_grad=lambda lr, w0: unrolled_gd_closed_form(lr, w0, X, y, X_val, y_val, steps),
    )


# --- halving until small (the lecture's while loop) -----------------------------------------------
def halve_until_small(x):
    """while abs(x) > 5: x = x / 2 (seed 004's loop, as the notes write it)."""
    while abs(x) > 5:
        x = x / 2
    return x


def halve_until_within(x):
    """The same loop with the test written as two comparisons instead of abs.

    abs is not analytic, so the complex step refuses it even inside a condition; this
    spelling lets every method that follows control flow run the loop.
    """
    while x > 5 or x < -5:
        x = x / 2
    return x


def halvings(x, limit):
    """How many halvings bring |x| to ``limit`` or below, counted without the loop."""
    magnitude = abs(float(x))
    if magnitude <= limit:
        return 0
    k = max(0, math.ceil(math.log2(magnitude / limit)))
    while magnitude / 2.0**k > limit:  # guard the logarithm's rounding at exact powers
        k += 1
    while k > 0 and magnitude / 2.0 ** (k - 1) <= limit:
        k -= 1
    return k


def on_halving_boundary(x, limit):
    """Whether x ends exactly on the limit: one more halving starts just above, so the result jumps."""
    return abs(float(x)) / 2.0 ** halvings(x, limit) == limit


@register_program("halving-loop", family="loop")
def build_halving_loop(x=37.0):
    x = check_real(x, "x")
    k = halvings(x, 5.0)
    return Program(
        name="halving-loop",
        function=halve_until_within,
        args=(float(x),),
        description=f"while x > 5 or x < -5: x = x / 2; here {k} halvings, so d/dx = 2**-{k}",
        depth=k,
        control_flow="data-dependent",
        on_kink=on_halving_boundary(x, 5.0),
        exact_grad=lambda x: 2.0 ** -halvings(x, 5.0),
    )


# --- Babylonian square root -----------------------------------------------------------------------
MAX_BABYLONIAN_STEPS = 200


def babylonian_sqrt(a, tol):
    """t = (t + a / t) / 2 from t = a until |t t - a| < tol (abs spelt as two comparisons,
    which the complex step can follow)."""
    t = a
    for _ in range(MAX_BABYLONIAN_STEPS):
        error = t * t - a
        if -tol < error < tol:
            return t
        t = 0.5 * (t + a / t)
    raise errors.InputError(
        f"the Babylonian square root did not reach |t*t - a| < {tol} in {MAX_BABYLONIAN_STEPS} steps: "
        "the tolerance is finer than float64 can resolve for this a; use a larger tol"
    )


@register_program("babylonian-sqrt", family="loop")
def build_babylonian_sqrt(a=2.0, tol=1e-12):
    a, tol = check_real(a, "a"), check_real(tol, "tol")
    if not a > 0:
        raise errors.InputError(f"a must be positive for the square root; got {a!r}")
    if not tol > 0:
        raise errors.InputError(f"tol must be positive; got {tol!r}")

    def square_root(a):
        return babylonian_sqrt(a, tol)

    steps = 0
    t = float(a)
    while abs(t * t - a) >= tol and steps < MAX_BABYLONIAN_STEPS:
        t, steps = 0.5 * (t + a / t), steps + 1
    return Program(
        name="babylonian-sqrt",
        function=square_root,
        args=(float(a),),
        description=f"Babylonian square root iterated until |t*t - a| < {tol} ({steps} steps here); d/da -> 1/(2 sqrt(a))",
        depth=steps,
        control_flow="data-dependent",
        exact_grad=lambda a: 0.5 / math.sqrt(a),
    )


# --- a piecewise function --------------------------------------------------------------------------
def piecewise(x):
    """x^2 below 0, sin(x) on [0, 2), exp(-x) from 2 on: an ``if`` on the input."""
    if x < 0:
        return x * x
    if x < 2:
        return dk.sin(x)
    return dk.exp(-x)


def piecewise_derivative(x):
    if x < 0:
        return 2.0 * x
    if x < 2:
        return math.cos(x)
    return -math.exp(-x)


@register_program("piecewise", family="loop")
def build_piecewise(x=0.5):
    x = check_real(x, "x")
    return Program(
        name="piecewise",
        function=piecewise,
        args=(float(x),),
        description="x^2 if x < 0, sin(x) if x < 2, else exp(-x): the branch depends on the input",
        control_flow="data-dependent",
        on_kink=float(x) in (0.0, 2.0),
        exact_grad=piecewise_derivative,
    )
