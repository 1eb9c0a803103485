"""``check_primitive``: check a primitive's rules and SymPy face at a point, in one report.

- VJP rules: for an upstream gradient U drawn from ``seed``, the rule of each argument
  must give the gradient of ``sum(U * f(args))`` with respect to that argument, which
  central differences compute from the NumPy face alone (the tape is no reference here:
  it runs the very rules being checked). Every entry is judged, as by ``check_grad``.
- JVP rules: for ``directions`` random unit tangents t of an argument, each with random
  weights w of the output's shape, ``sum(w * rule(t))`` must be the derivative of
  ``sum(w * f(x + s t))`` in s at 0, by central differences: one entry per direction.
- The SymPy face, evaluated at the arguments' exact binary values to 30 digits, must give
  the NumPy face's values.

Rows are named for the part they check (``x (VJP)``, ``x (JVP)``, ``SymPy face``); a rule or
face that was not declared is named in a note and not checked.
"""

import inspect

import numpy as np

from .. import errors
from ..core.keywords import refuses_unknown_keywords
from ..core.lazy import sympy
from ..core.primitive import Primitive
from ..core.problem import Problem
from ..core.user_rules import accepted_shape
from ..ops import unbroadcast
from .compare import validate_options
from .directional import random_directions
from .gradient_check import DEFAULT_DIRECTIONS, FINITE_DIFFERENCES, run_check
from .report import DEFAULT_SHOWN, ArgumentCheck, CheckReport
from .structure import AlignedGradient, Finding
from .value import VALUE_PASS_RULE, judge_values

NUMPY_FACE = "NumPy face"
SYMPY_DIGITS = 30


@refuses_unknown_keywords
def check_primitive(op, *args, params=None, seed=0, rtol=None, atol=None, directions=DEFAULT_DIRECTIONS,
                    shown=DEFAULT_SHOWN):
    """Check ``op``'s VJP and JVP rules against finite differences and its SymPy face against
    its NumPy face, at ``args``; return a :class:`CheckReport` (truthy when it passed).

    ``params`` holds the op's keyword parameters (``{"alpha": 0.1}``). ``seed`` draws the
    upstream gradient, the tangents and their weights; ``directions`` is the number of
    tangents per argument; ``rtol``, ``atol`` and ``shown`` are as for ``check_grad``.
    """
    validate_options(rtol=rtol, atol=atol, seed=seed, shown=shown)
    if not isinstance(op, Primitive):
        raise errors.InputError(
            f"check_primitive checks a primitive (made with dk.primitive, or an op of diffkit's table such as "
            f"dk.exp), got {type(op).__name__}"
        )
    if not args:
        raise errors.InputError(
            f"check_primitive needs the arguments to check {op.name} at: check_primitive(op, x, ...)"
        )
    if not isinstance(directions, (int, np.integer)) or directions < 1:
        raise errors.InputError(f"directions must be a positive int, got {directions!r}")
    if params is not None and not isinstance(params, dict):
        raise errors.InputError(
            f"params holds the op's keyword parameters as a dict (e.g. params={{'alpha': 0.1}}), got {params!r}"
        )
    params = dict(params or {})
    args = [_argument(value, position, op) for position, value in enumerate(args)]
    names = _argument_names(op, len(args))
    out = np.asarray(op.evaluate_numeric(args, params))
    if out.dtype.kind not in "fiu":
        raise errors.InputError(
            f"{op.name} returned {out.dtype} values at these arguments; check_primitive needs numbers"
        )
    out = out.astype(np.float64)
    rng = np.random.default_rng(seed)
    options = dict(rtol=rtol, atol=atol, seed=seed, shown=shown)
    parts, notes = [], []
    for kind, check in (("vjp", _check_vjp), ("jvp", _check_jvp)):
        positions = [i for i, value in enumerate(args) if value.dtype.kind == "f" and op.declared_rule(kind, i)]
        undeclared = [names[i] for i, value in enumerate(args) if value.dtype.kind == "f" and _undeclared(op, kind, i)]
        if undeclared:
            notes.append(f"no {kind.upper()} rule declared for {', '.join(undeclared)}: not checked "
                         f"(declare one with {op.rule_example(kind)})")
        if positions:
            parts.append((kind.upper(), check(op, args, names, params, out, positions, rng, directions, options)))
    if op.sympy is None:
        notes.append("no SymPy face declared: not checked (declare it with dk.primitive(..., sympy=...))")
    else:
        parts.append(("SymPy face", _check_sympy_face(op, args, params, out, rtol, atol, shown)))
    if not parts:
        raise errors.InputError(f"{op.name} declares no VJP or JVP rule and no SymPy face: there is nothing to check")
    return _merged(op, parts, notes, shown)


def _argument(value, position, op):
    """An argument as an array: numbers as float64, booleans kept (a condition, not differentiated)."""
    try:
        array = np.array(value)
    except Exception as exc:  # a ragged list, an object NumPy cannot read
        raise errors.InputError(f"argument {position} of {op.name} is not a number or an array: {exc}") from None
    if array.dtype.kind in "iu":
        return array.astype(np.float64)
    if array.dtype.kind not in "fb":
        raise errors.InputError(
            f"argument {position} of {op.name} has dtype {array.dtype}; check_primitive checks real numbers "
            "(booleans are passed through as data)"
        )
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise errors.InputError(f"argument {position} of {op.name} holds NaN or infinity: check at a finite point")
    return array


def _argument_names(op, count):
    names = [name for name in op.parameter_names() if name.isidentifier()]
    return (names + [f"arg{i}" for i in range(len(names), count)])[:count]


def _undeclared(op, kind, position):
    """Whether argument ``position`` lacks a rule because none was declared (not because it is marked None)."""
    rule = op.vjp_rule(position) if kind == "vjp" else op.jvp_rule(position)
    return getattr(rule, "undeclared", False)


def _objective(function, names, label):
    """``function`` with a signature naming its parameters, so the report names the entries."""
    function.__name__ = label
    function.__signature__ = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_ONLY) for name in names]
    )
    return function


def _with(args, replacements):
    full = list(args)
    for position, value in replacements.items():
        full[position] = value
    return full


def _call_rule(rule, first, out, args, params, findings, leaf, what):
    """The user's rule at the point, or None with a finding naming what it raised (or that it
    returned None: the engines refuse that too, see :mod:`diffkit.core.user_rules`)."""
    try:
        given = rule(first, out, *args, **params)
    except Exception as exc:  # noqa: BLE001  (a mistake in the user's rule is a finding of the check)
        findings.append(Finding(f"the {what} raised {type(exc).__name__}: {exc}", leaf))
        return None
    if given is None:
        findings.append(Finding(f"the {what} returned None (a `def` without `return`?); declare None in place "
                                "of the rule for an argument that is not differentiable", leaf))
    return given


def _aligned(values, findings):
    """The rules' results as the checker's aligned gradient (their shapes are checked already)."""
    unique = list({(finding.message, finding.leaf): finding for finding in findings}.values())  # once per direction
    return AlignedGradient(leaves=list(values), raw=list(values), reshaped=[False] * len(values), findings=unique)


def _check_vjp(op, args, names, params, out, positions, rng, directions, options):
    upstream = rng.standard_normal(out.shape)

    def weighted_output(*values):
        return np.sum(upstream * op.numpy(*_with(args, dict(zip(positions, values))), **params))

    objective = _objective(weighted_output, [names[i] for i in positions], f"sum(upstream * {op.name})")
    problem = Problem(objective, [args[i] for i in positions], tuple(range(len(positions))))
    findings, values = [], []
    for leaf, position in enumerate(positions):
        name = names[position]
        given = _call_rule(op.declared_rule("vjp", position), upstream, out, args, params, findings, leaf,
                           f"VJP rule of {name}")
        values.append(None if given is None else _cotangent(given, args[position], out, op, findings, leaf, name))
    report = run_check(problem, _aligned(values, findings), f"VJP check of {op.name}", methods=(FINITE_DIFFERENCES,),
                       mode="full", directions=directions, **options)
    report.settings.insert(0, f"upstream gradient U: standard normal of shape {out.shape}, seed {options['seed']}; "
                              f"reference = gradient of sum(U * {op.name}) by central differences of the NumPy face")
    for argument in report.arguments:
        _relabel(argument, f"{argument.name} (VJP)", [f"{entry} (VJP)" for entry in argument.entry_names])
    return report


def _cotangent(given, argument, out, op, findings, leaf, name):
    """The rule's cotangent with broadcasting summed back, as the tape does; None with a finding if unusable."""
    try:
        given = np.asarray(given, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        findings.append(Finding(f"the VJP rule of {name} returned something that is not numbers: {exc}", leaf))
        return None
    if given.shape != argument.shape and accepted_shape("vjp", op, given.shape, argument, out):
        given = np.asarray(unbroadcast(given, argument.shape))  # the output's shape, summed back as the tape does
    if given.shape != argument.shape:
        findings.append(Finding(
            f"the VJP rule of {name} returned shape {given.shape}, but {name} has shape {argument.shape}: "
            f"a VJP rule returns the cotangent of its argument, shaped like it", leaf))
        return None
    return given


def _check_jvp(op, args, names, params, out, positions, rng, directions, options):
    report = None
    for position in positions:
        tangents = random_directions(args[position], directions, rng)
        weights = [rng.standard_normal(out.shape) for _ in tangents]

        def along(s, position=position, tangents=tangents, weights=weights):
            total = 0.0
            for step, tangent, weight in zip(s, tangents, weights):
                moved = _with(args, {position: args[position] + step * tangent})
                total = total + np.sum(weight * op.numpy(*moved, **params))
            return total

        name = names[position]
        objective = _objective(along, [name], f"{op.name} along tangents of {name}")
        problem = Problem(objective, [np.zeros(len(tangents))], 0)
        findings, values = [], []
        for tangent, weight in zip(tangents, weights):
            given = _call_rule(op.declared_rule("jvp", position), tangent, out, args, params, findings, 0,
                               f"JVP rule of {name}")
            values.append(None if given is None else
                          _weighted_tangent(given, weight, out, findings, name, op, args[position]))
        usable = None if any(value is None for value in values) else np.array(values)
        checked = run_check(problem, _aligned([usable], findings), f"JVP check of {op.name}",
                            methods=(FINITE_DIFFERENCES,), mode="full", directions=directions, **options)
        _relabel(checked.arguments[0], f"{name} (JVP)", [f"{name} (JVP) along t{k}" for k in range(len(tangents))])
        if report is None:
            report = checked
            report.settings.insert(0, f"per argument, {directions} unit tangent(s) t (one for a single number), each "
                                      f"with weights w (standard normal of shape {out.shape}), seed {options['seed']}: "
                                      f"an entry is sum(w * JVP(t)) against d/ds sum(w * {op.name}(x + s t)) at s = 0")
        else:
            report.arguments += checked.arguments
            report.notes += checked.notes
    return report


def _weighted_tangent(given, weight, out, findings, name, op, argument):
    """sum(w * the rule's output tangent), broadcast to the output's shape as forward mode does."""
    try:
        given = np.asarray(given, dtype=np.float64)
    except (TypeError, ValueError) as exc:  # a ragged list, a string: no shape to name
        findings.append(Finding(f"the JVP rule of {name} returned something that is not numbers: {exc}", 0))
        return None
    try:
        if not accepted_shape("jvp", op, given.shape, argument, out):
            raise ValueError("not a shape forward mode takes")
        tangent = np.broadcast_to(given, out.shape)
    except (TypeError, ValueError):
        findings.append(Finding(
            f"the JVP rule of {name} returned shape {given.shape}, but the output has shape {out.shape}: "
            "a JVP rule returns the output's tangent, shaped like the output", 0))
        return None
    return float(np.sum(weight * tangent))


def _check_sympy_face(op, args, params, out, rtol, atol, shown):
    from ..engines.symbolic import to_object_array

    with np.errstate(all="ignore"):  # SymPy's first import inside NumPy's loop may leave a float flag set
        exact = [to_object_array(a) for a in args]
    try:
        faced = np.asarray(op.evaluate_symbolic(exact, params), dtype=object)
        values = np.vectorize(_number, otypes=[float])(faced) if faced.size else faced.astype(float)
    except Exception as exc:  # noqa: BLE001  (a mistake in the user's face is a finding of the check)
        message = f"the SymPy face could not be evaluated at these arguments: {type(exc).__name__}: {exc}"
        argument = ArgumentCheck(name="SymPy face", shape=out.shape, dtype="float64", entry_names=[],
                                 findings=[message])
        settings = []
    else:
        argument, settings = judge_values(out, np.dtype(np.float64), values, op.name, f"{op.name}'s NumPy face",
                                          rtol, atol, reference=NUMPY_FACE)
        _relabel(argument, "SymPy face", [f"{entry} (SymPy)" for entry in argument.entry_names])
    return CheckReport(
        title=f"SymPy face check of {op.name}",
        arguments=[argument],
        methods=[NUMPY_FACE],
        settings=[f"the SymPy face at the arguments' exact values, evaluated to {SYMPY_DIGITS} digits, against the "
                  "NumPy face"] + settings,
        pass_rule=VALUE_PASS_RULE,
        shown=shown,
    )


def _number(expression):
    value = sympy.N(sympy.sympify(expression), SYMPY_DIGITS)
    if not value.is_number:
        raise ValueError(f"it leaves the symbols of {expression} in the result")
    real, imaginary = value.as_real_imag()
    if abs(float(imaginary)) > 1e-12 * max(1.0, abs(float(real))):
        raise ValueError(f"it is complex ({value}) where the NumPy face is real")
    return float(real)


def _relabel(argument, name, entry_names):
    """Name a row for the part it checks: ``x`` becomes ``x (VJP)``, ``x[1]`` becomes ``x[1] (VJP)``."""
    argument.name = name
    argument.entry_names = entry_names


def _merged(op, parts, notes, shown):
    """One report from the parts' reports, their settings labelled by part."""
    arguments, methods, settings, findings, part_notes, warnings = [], [], [], [], [], []
    for label, report in parts:
        arguments += report.arguments
        methods += [m for m in report.methods if m not in methods]
        settings += [f"{label}: {line}" for line in report.settings]
        findings += report.findings
        part_notes += report.notes
        warnings += report.warnings
    rules = [label for label, _ in parts if label != "SymPy face"]
    pass_rule = []
    if rules:
        pass_rule.append(f"{' and '.join(rules)} entries as in check_grad against central differences ("
                         + parts[0][1].pass_rule + ")")
    if any(label == "SymPy face" for label, _ in parts):
        pass_rule.append(f"SymPy face entries: {VALUE_PASS_RULE}")
    return CheckReport(
        title=f"primitive check of {op.name}",
        arguments=arguments,
        methods=methods,
        settings=settings,
        pass_rule="; ".join(pass_rule) + "; the check passes when no row is wrong",
        findings=findings,
        notes=part_notes + notes,
        warnings=warnings,
        shown=shown,
    )
