"""``check_backward``: check a module's hand-written backward pass.

The notes' module style: an object with ``forward(*inputs)`` (caching what it needs)
and ``backward(upstream)`` returning the gradient of each input. Parameters, if any,
live in a ``params`` dict; their gradients are either returned after the inputs'
(in ``params`` order) or left in a ``grads`` dict. The CS 231n function style is
accepted too: a pair ``(forward, backward)`` where ``forward(*inputs)`` returns
``(out, cache)`` and ``backward(upstream, cache)`` returns one gradient per input.

diffkit draws a random upstream gradient U (seeded) and checks the user's backward
against the gradient of ``sum(U * forward(inputs, params))``, which is exactly the
vector-Jacobian product: by the tape (recording ``forward`` on traced values) and by
finite differences of that scalar.

Inputs holding real numbers are differentiated; integer and boolean arrays (word
indices, labels) and other objects (a ``bn_param`` dict) are data, passed to the forward
as they are. Integers are not guessed to be real numbers written without a decimal
point: when the backward returns a gradient for an integer input too, the check stops
with an InputError saying to pass it as floats (``np.asarray(x, dtype=float)``). Every
run of the forward starts from the state the user's own forward and backward left
(running averages, caches), and that state is what the user finds after
the check (see :mod:`.user_state`).
"""

import contextlib
import inspect

import numpy as np

from .. import errors
from ..core.keywords import refuses_unknown_keywords
from ..core.values import BoxedValue
from ..methods import Problem
from ..ops import sum as dk_sum
from .compare import validate_options
from .gradient_check import DEFAULT_DIRECTIONS, DEFAULT_METHODS, call_user_gradient, run_check
from .report import DEFAULT_SHOWN
from .structure import Finding, align_gradient
from .user_state import UserState, roots_of


class _Module:
    """A user's layer or op, seen through one interface: run forward, run backward."""

    def __init__(self, layer_or_op):
        if isinstance(layer_or_op, type):
            name = layer_or_op.__name__
            raise errors.InputError(
                f"check_backward got the class {name}, not an instance: pass {name}(...), a layer built "
                "with its parameters"
            )
        if isinstance(layer_or_op, tuple) and len(layer_or_op) == 2 and all(map(callable, layer_or_op)):
            self.forward_fn, self.backward_fn = layer_or_op
            self.params = {}
            self.cached_style = True
            self.name = getattr(self.forward_fn, "__name__", "forward")
            self.layer = None
        elif callable(getattr(layer_or_op, "forward", None)) and callable(getattr(layer_or_op, "backward", None)):
            self.layer = layer_or_op
            self.forward_fn = layer_or_op.forward
            self.backward_fn = layer_or_op.backward
            params = getattr(layer_or_op, "params", None)
            if params is not None and not isinstance(params, dict):
                raise errors.InputError(
                    f"{type(layer_or_op).__name__}.params is a {type(params).__name__}; check_backward expects "
                    "a dict of parameter arrays (e.g. {'W': W, 'b': b})"
                )
            self.params = params if params is not None else {}
            self.cached_style = False
            self.name = type(layer_or_op).__name__
        else:
            raise errors.InputError(
                "check_backward needs an object with forward(*inputs) and backward(upstream) methods, or a "
                f"pair (forward, backward) in the CS 231n style; got {type(layer_or_op).__name__}"
            )
        self._cache = None

    def forward(self, *inputs):
        out = self.forward_fn(*inputs)
        if self.cached_style:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise errors.InputError(
                    f"{self.name} must return (out, cache) in the (forward, backward) pair style; "
                    f"it returned a {type(out).__name__}"
                )
            out, self._cache = out
        if not _is_one_output(out):
            kind = f"an array of {out.dtype}" if isinstance(out, np.ndarray) else f"a {type(out).__name__}"
            shown = f"(out, cache) whose out is {kind}" if self.cached_style else kind
            raise errors.InputError(
                f"{self.name} returned {shown}: check_backward checks a layer with one output of real numbers "
                "(an array or a number); return that (keep anything else the backward pass needs in the cache, or on the layer)"
            )
        if out is None:
            if self.cached_style:
                raise errors.InputError(
                    f"{self.name} returned (None, cache): return the layer's output as the first of (out, cache)"
                )
            raise errors.InputError(
                f"{self.name}.forward() returned None: return the layer's output (e.g. `return out` at the "
                "end of forward)"
            )
        return out

    def backward(self, upstream):
        """The user's backward pass; an exception in it (a wrong signature too) is an InputError."""
        name = getattr(self.backward_fn, "__name__", "backward")
        if self.cached_style:
            return call_user_gradient(self.backward_fn, (upstream, self._cache), f"{name}(dout, cache)")
        return call_user_gradient(self.backward_fn, (upstream,), f"{self.name}.backward(dout)")

    def input_names(self, count):
        try:
            parameters = list(inspect.signature(self.forward_fn).parameters.values())
        except (TypeError, ValueError):
            parameters = []
        names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][:count]
        names += [f"input{i}" for i in range(len(names), count)]
        return names

    @contextlib.contextmanager
    def parameters_set_to(self, values):
        """Temporarily replace the parameter arrays (by traced or shifted values)."""
        originals = dict(self.params)
        try:
            self.params.update(values)
            yield
        finally:
            self.params.update(originals)


@refuses_unknown_keywords
def check_backward(
    layer_or_op,
    *inputs,
    upstream=None,
    seed=0,
    methods=DEFAULT_METHODS,
    rtol=None,
    atol=None,
    mode="full",
    directions=DEFAULT_DIRECTIONS,
    shown=DEFAULT_SHOWN,
    decimals=None,
):
    """Check ``layer_or_op.backward`` at ``inputs``; return a :class:`CheckReport`.

    ``upstream`` (default: standard normal, shaped like the output, drawn from
    ``seed``) is the gradient fed to ``backward``. Entries are named by the forward's
    argument names and the parameter keys (``x[0,1]``, ``W[1,0]``). ``decimals``: the
    backward pass's values were rounded to that many decimals (judged against rounding).
    """
    validate_options(rtol=rtol, atol=atol, seed=seed, shown=shown, decimals=decimals)
    module = _Module(layer_or_op)
    if not inputs:
        raise errors.InputError("check_backward needs at least one input to run forward on")
    inputs = [_as_input(x, i) for i, x in enumerate(inputs)]
    differentiated = [i for i, x in enumerate(inputs) if _is_real_array(x)]
    out = np.asarray(module.forward(*_fresh(inputs)))
    upstream_source = "given" if upstream is not None else f"standard normal, seed {seed}"
    upstream = _upstream(upstream, out, seed)
    returned = module.backward(upstream.copy())
    state = UserState(roots_of(module, inputs))  # as the user's forward and backward left it

    all_names = module.input_names(len(inputs))
    input_names = [all_names[i] for i in differentiated]
    param_names = [k if k not in all_names else f"params.{k}" for k in module.params]
    names = all_names + param_names
    values = inputs + [np.asarray(v) for v in module.params.values()]
    argnums = tuple(differentiated) + tuple(range(len(inputs), len(values)))
    integer_names = [name for name, x in zip(all_names, inputs) if _is_integer_array(x)]
    gradient_order = [name for name in all_names if name in input_names or name in integer_names]
    user, findings = _user_gradients(module, returned, input_names, param_names, integer_names, gradient_order)
    objective = _vjp_objective(module, upstream, len(inputs), names, state)
    try:
        problem = Problem(objective, values, argnums)
        aligned = align_gradient(problem, user, source=f"{module.name}.backward")
        aligned.findings[:0] = findings
        report = run_check(
            problem, aligned, f"backward check of {module.name}", methods=methods, rtol=rtol, atol=atol,
            mode=mode, seed=seed, directions=directions, shown=shown, decimals=decimals,
        )
    finally:
        state.restore()  # the user's objects as their own forward and backward left them
    report.settings.insert(
        0,
        f"upstream gradient: shape {tuple(out.shape)}, {upstream_source}; "
        "reference = gradient of sum(upstream * forward)",
    )
    return report


def _is_one_output(out):
    """None (named by the caller), a number, an array of numbers or a diffkit value (the forward
    pass traced for the reference): one output to check."""
    if out is None or isinstance(out, (int, float, np.number, BoxedValue)) and not isinstance(out, bool):
        return True
    return isinstance(out, np.ndarray) and out.dtype.kind in "iuf" or _is_numbers(out)


def _is_numbers(value):
    try:
        return np.asarray(value).dtype.kind in "iuf"
    except (TypeError, ValueError):  # ragged, or not numbers
        return False


def _upstream(upstream, out, seed):
    dtype = out.dtype if out.dtype.kind == "f" else np.dtype(np.float64)
    if upstream is None:
        return np.random.default_rng(seed).standard_normal(out.shape).astype(dtype)
    if isinstance(upstream, (str, bytes, dict)) or not _is_numbers(upstream):
        raise errors.InputError(
            f"upstream is a {type(upstream).__name__} ({upstream!r:.40}): give an array of numbers shaped like "
            f"the output, {tuple(out.shape)}, or leave it out for a random one"
        )
    given = np.array(upstream, dtype=dtype)
    if not np.isfinite(given).all():
        raise errors.InputError(
            "upstream holds NaN or infinity: every entry of the reference would be NaN; give finite numbers"
        )
    if given.shape != out.shape:
        raise errors.ShapeError(
            f"upstream has shape {given.shape} but forward returned shape {out.shape}; the upstream gradient "
            "must have the output's shape"
        )
    return given


def _as_input(value, position):
    """A real-valued input as a float array (differentiated); integers, booleans and other objects as data."""
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, (float, int, list, tuple, np.generic)) and not isinstance(value, bool):
        array = np.array(value)
    else:
        return value  # a dict of settings, None, an object: data
    if array.dtype.kind == "c":
        raise errors.InputError(f"input {position} has dtype {array.dtype}; check_backward needs real numbers")
    if array.dtype.kind == "f":
        return np.array(array, copy=True)
    return value  # integers (word indices, labels) and booleans stay what they are: data


def _is_integer_array(value):
    """An input of integers (an int array, a number, a list of them): data for the check."""
    if isinstance(value, bool) or not isinstance(value, (np.ndarray, np.integer, int, list, tuple)):
        return False
    return _is_numbers(value) and np.asarray(value).dtype.kind in "iu"


def _is_real_array(value):
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"


def _fresh(inputs):
    """Copies of the differentiated inputs (the forward may cache or change them); data as given."""
    return [x.copy() if _is_real_array(x) else x for x in inputs]


def _user_gradients(module, returned, input_names, param_names, integer_names=(), gradient_order=()):
    """The user's gradients as a dict keyed by argument name, plus findings about their count.

    When the count is right only if the integer inputs (``integer_names``) had gradients too,
    in the order ``gradient_order`` (the inputs that are real or integer, as given): None for
    each of them (labels have no gradient) is taken as meant and left out; anything else
    means the user took them for real numbers, and an InputError says to pass them as floats.
    """
    findings = []
    source = f"{module.name}.backward"
    names = input_names + param_names
    if isinstance(returned, dict):
        return dict(returned), findings
    sequence = list(returned) if isinstance(returned, (tuple, list)) else [returned]
    user = {}
    grads = getattr(module.layer, "grads", None) if module.layer is not None else None
    if len(sequence) == len(names):
        return dict(zip(names, sequence)), findings
    if len(sequence) == len(input_names) and (not param_names or isinstance(grads, dict)):
        user.update(zip(input_names, sequence))
        for key, name in zip(module.params, param_names):
            if key in grads:
                user[name] = grads[key]
        return user, findings
    if integer_names and len(sequence) - len(integer_names) in (len(names), len(input_names)):
        given = dict(zip(gradient_order, sequence))
        if all(given[name] is None for name in integer_names):
            kept = [value for name, value in zip(gradient_order, sequence) if name not in integer_names]
            return _user_gradients(module, kept + sequence[len(gradient_order):], input_names, param_names)
        listed, one = ", ".join(integer_names), len(integer_names) == 1
        raise errors.InputError(
            f"{source} returned {len(sequence)} gradients, one for {listed} too; {listed} "
            f"{'holds' if one else 'hold'} integers, which check_backward takes as data (word indices, labels) "
            f"with no gradient: to check {'its' if one else 'their'} gradient, pass "
            f"{'it' if one else 'them'} as floats, np.asarray({integer_names[0]}, dtype=float)"
        )
    expected = f"{len(input_names)} input gradient(s) ({', '.join(input_names)})"
    if param_names:
        expected += (
            f" and, unless they are in .grads, {len(param_names)} parameter gradient(s) ({', '.join(param_names)})"
        )
    findings.append(Finding(f"{source} returned {len(sequence)} gradient(s); expected {expected}"))
    user.update(zip(names, sequence))
    return user, findings


def _vjp_objective(module, upstream, input_count, names, state):
    """sum(upstream * forward(inputs)) as a function of the inputs and the parameters.

    Each evaluation starts from ``state``: a forward that updates a running average
    must not see the traced or shifted values an earlier evaluation left there.
    """
    keys = list(module.params)

    def objective(*values):
        state.restore()
        with module.parameters_set_to(dict(zip(keys, values[input_count:]))):
            out = module.forward(*values[:input_count])
        return dk_sum(upstream * out)

    objective.__name__ = f"sum(upstream * {module.name}.forward)"
    objective.__signature__ = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_ONLY) for name in names]
    )
    return objective
