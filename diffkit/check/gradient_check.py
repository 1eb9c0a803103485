"""``check_grad``: compare a hand-derived gradient with diffkit's, entry by entry.

The user's gradient function is called at the arguments; its result is cut into the
arguments' leaves (:mod:`.structure`), every reference method runs on the same
:class:`~diffkit.methods.Problem`, and each entry is judged against the first
reference (``tape`` by default): correct within the reference's error estimate plus
your own rounding, else by the CS 231n bands, or against rounding for values rounded by
hand (``decimals``; :mod:`.compare`). Other references cross-check the first; finite
differences (``fd-central`` with its own error estimate) also supply one-sided
derivatives, so a kink inside the step is recognised (:mod:`.kinks`). Where the
reference is 0 to within finite-difference noise (a gradient that cancels), an entry
is also correct within the reference's own measured rounding noise.
"""

import numpy as np

from .. import errors
from ..core.containers import flatten
from ..core.frames import traceback_location
from ..core.keywords import refuses_unknown_keywords
from ..methods import Problem, chosen_methods, get_method
from .compare import (
    CORRECT,
    KINK,
    SUSPICIOUS,
    RANDOM_PASS,
    ROUNDING_FACTOR,
    WRONG,
    ZERO_NOISE_FACTOR,
    absolute_error,
    bands_for,
    classify,
    decimals_option,
    dtype_eps,
    implied_decimals,
    own_rounding,
    relative_error,
    tolerance_option,
    validate_options,
    worst,
)
from .directional import any_wrong, check_directions
from .kinks import STEP_RULE, FiniteDifferences
from .report import DEFAULT_SHOWN, ArgumentCheck, CheckReport
from .structure import align_gradient

DEFAULT_METHODS = ("tape", "fd-central")
MODES = ("full", "random")
DEFAULT_DIRECTIONS = 3
FINITE_DIFFERENCES = FiniteDifferences.name
HINT_AGREEMENT = 1e-6  # how closely a transposed / summed / rescaled gradient must match to be named
# Rounding explains a difference only when a unit of the last decimal is at most this part of the largest entry.
ROUNDED_UNIT_OF_GRADIENT = 0.1
PAIRED_KINKS = 12  # kinks of one argument tested pair by pair for ties (66 pairs, 132 evaluations at most)


@refuses_unknown_keywords
def check_grad(
    f,
    grad_fn,
    *args,
    argnums=0,
    methods=DEFAULT_METHODS,
    rtol=None,
    atol=None,
    mode="full",
    seed=0,
    directions=DEFAULT_DIRECTIONS,
    shown=DEFAULT_SHOWN,
    decimals=None,
):
    """Check ``grad_fn`` (the user's gradient of ``f``) at ``args``; return a :class:`CheckReport`.

    ``grad_fn(*args)`` must return the gradient of ``f`` with respect to the arguments
    in ``argnums``, shaped like them: an array per array argument, a dict for a dict of
    parameters, a tuple (or a dict keyed by argument name) when ``argnums`` is a tuple.
    ``grad_fn`` may also be the gradient itself rather than a function.

    ``methods`` are the references (the first one judges; the others cross-check it).
    ``rtol`` replaces the "wrong above" relative-error band (1e-5 for float64, scaled
    for float32); ``atol`` the absolute error below which an entry counts as correct
    (default: the reference's error estimate plus the rounding of your values).
    ``decimals``: your values were rounded to that many decimals (copied from printed
    notes), so they are judged against that rounding. ``mode="random"`` checks
    ``directions`` seeded random directions per argument instead of every entry.
    ``bool(report)`` is the overall verdict.
    """
    validate_options(rtol=rtol, atol=atol, seed=seed, shown=shown, decimals=decimals)
    problem = Problem(f, args, argnums)
    source = getattr(grad_fn, "__name__", "grad_fn") if callable(grad_fn) else "the gradient"
    user_grad = call_user_gradient(grad_fn, args, source) if callable(grad_fn) else grad_fn
    aligned = align_gradient(problem, user_grad, source=source)
    title = f"gradient check of {getattr(f, '__name__', 'f')}"
    return run_check(
        problem, aligned, title, methods=methods, rtol=rtol, atol=atol, mode=mode, seed=seed,
        directions=directions, shown=shown, decimals=decimals,
    )


def call_user_gradient(grad_fn, args, name):
    """``grad_fn(*args)``; an exception in it is an InputError naming the line that raised
    (the user's code, chained, so a notebook still shows its traceback)."""
    try:
        return grad_fn(*args)
    except errors.DiffkitError:
        raise
    except Exception as exc:
        where = traceback_location(exc.__traceback__)
        raise errors.InputError(
            f"your gradient function {name} raised {type(exc).__name__}: {exc}" + (f" at {where}" if where else "")
            + f"; fix {name} so that it returns the gradient at the given arguments, then check again"
        ) from exc


def run_check(problem, aligned, title, *, methods, rtol, atol, mode, seed, directions, shown, decimals=None):
    """Judge an aligned user gradient against references; shared by check_grad and check_backward."""
    validate_options(rtol=rtol, atol=atol, seed=seed, shown=shown, decimals=decimals)
    rtol, atol = tolerance_option("rtol", rtol), tolerance_option("atol", atol)
    decimals = decimals_option(decimals)
    methods = _validate(methods, mode, directions)
    leaf_count = len(problem.leaves)
    finite_differences = FiniteDifferences(problem)
    references, notes = _exact_references(problem, methods)
    used = [m for m in methods if m in references or m == FINITE_DIFFERENCES]
    if not used:
        raise errors.UnsupportedError(
            f"no reference method could differentiate {title.split(' of ')[-1]}: " + "; ".join(notes)
        )
    user_flat = [None if leaf is None else leaf.reshape(-1) for leaf in aligned.leaves]

    directional = []
    if mode == "random":
        usable = [None if aligned.findings_for(i) else aligned.leaves[i] for i in range(leaf_count)]
        directional = check_directions(
            problem, usable, references, finite_differences, used, directions, seed, rtol, atol, decimals
        )
    full = mode == "full" or any_wrong(directional)
    if FINITE_DIFFERENCES in used and full:
        references[FINITE_DIFFERENCES] = finite_differences.gradient()
    references = {m: references[m] for m in used if m in references}

    arguments = []
    zero_floors = {}  # argument -> atol given to its entries that are 0 to within finite-difference noise
    offset = 0
    entry_names = problem.entry_names()
    for index, leaf in enumerate(problem.leaves):
        names = entry_names[offset:offset + leaf.size]
        offset += leaf.size
        argument = ArgumentCheck(
            name=problem.leaf_names[index],
            shape=tuple(leaf.shape),
            dtype=leaf.dtype.name,
            entry_names=names,
            findings=aligned.findings_for(index),
        )
        arguments.append(argument)
        if full:
            floor = _judge_entries(
                argument, index, user_flat[index], references, used, finite_differences, rtol, atol, decimals
            )
            if floor:  # measured and above 0: the settings say so
                zero_floors[argument.name] = floor
        else:
            mine = [d.verdict for d in directional if d.argument == argument.name]
            argument.verdict_override = RANDOM_PASS if worst(mine) == CORRECT else worst(mine)
        _add_hints(argument, index, aligned, references.get(used[0]), decimals)

    if mode == "random" and full:
        failed = sum(d.verdict == WRONG for d in directional)
        notes.append(
            f"the random check failed along {failed} of {len(directional)} direction(s); "
            "a full check of every entry followed and names the wrong entries below"
        )
    return CheckReport(
        title=title,
        arguments=arguments,
        methods=used,
        settings=_settings(
            problem, used, rtol, atol, mode, seed, directions, finite_differences, full, zero_floors, decimals
        ),
        pass_rule=_pass_rule(used[0], decimals),
        findings=aligned.general_findings(),
        notes=notes,
        warnings=_warnings(problem),
        directional=directional,
        mode=mode,
        shown=shown,
    )


def _validate(methods, mode, directions):
    methods = chosen_methods(methods, "the references")
    if mode not in MODES:
        raise errors.InputError(f"mode must be 'full' (every entry) or 'random' (random directions), got {mode!r}")
    if not isinstance(directions, (int, np.integer)) or directions < 1:
        raise errors.InputError(f"directions must be a positive int, got {directions!r}")
    return methods


def _exact_references(problem, methods):
    """Gradients from every non-finite-difference method, as float64 arrays per leaf."""
    references, notes = {}, []
    for name in methods:
        if name == FINITE_DIFFERENCES:
            continue
        try:
            result = get_method(name).run(problem)
        except errors.DiffkitError as exc:  # e.g. a forward using a NumPy function the tape cannot follow
            notes.append(f"{name} could not serve as a reference: {exc}")
            continue
        leaves, _ = flatten(result.grad)
        references[name] = [
            np.asarray(value, dtype=np.float64).reshape(leaf.shape) for value, leaf in zip(leaves, problem.leaves)
        ]
    return references, notes


def _judge_entries(argument, index, yours, references, used, finite_differences, rtol, atol, decimals):
    """Fill ``argument`` with every entry's errors, the references' estimates and the verdicts.

    Returns the absolute tolerance given to entries whose reference is 0 to within
    finite-difference noise, when one of them needed it (else None).
    """
    leaf = finite_differences.problem.leaves[index]
    argument.references = {m: references[m][index].reshape(-1) for m in used}
    argument.decimals = decimals
    zero_floor = None
    primary_name = used[0]
    primary = argument.references[primary_name]
    scale = float(np.max(np.abs(primary))) if primary.size else 0.0
    argument.estimates = {m: _estimates(m, index, leaf, scale, finite_differences) for m in used}
    if yours is None:
        return zero_floor
    bands = bands_for(leaf.dtype, rtol)
    if atol is not None:
        tolerance = np.full(leaf.size, float(atol))
    else:
        tolerance = argument.estimates[primary_name] + own_rounding(yours, leaf.dtype, decimals)
    argument.yours = yours
    argument.abs_errors = absolute_error(yours, primary)
    argument.rel_errors = relative_error(yours, primary).reshape(-1)
    judged = zip(argument.rel_errors, argument.abs_errors, tolerance)
    verdicts = [classify(rel, err, bands, tol, decimals) for rel, err, tol in judged]
    for entry, verdict in enumerate(verdicts):
        if verdict == CORRECT:
            continue
        if atol is None and primary_name != FINITE_DIFFERENCES:
            if abs(primary[entry]) <= finite_differences.noise(index, entry):  # 0, as far as differences can tell
                if zero_floor is None:
                    zero_floor = ZERO_NOISE_FACTOR * finite_differences.reference_noise(primary_name)[index]
                if argument.abs_errors[entry] <= max(tolerance[entry], zero_floor):
                    verdicts[entry] = CORRECT
                    continue
        threshold = bands.wrong_above * max(scale, abs(primary[entry]))
        one_sided = finite_differences.one_sided(index, entry, threshold)
        if not one_sided.is_kink:
            continue
        argument.one_sided[entry] = (one_sided.left, one_sided.right)
        if one_sided.contains(yours[entry], threshold + finite_differences.noise(index, entry)):
            verdicts[entry] = KINK
        else:
            argument.notes.append(
                f"{argument.entry_names[entry]} is a non-differentiable point, but yours ({yours[entry]:.6g}) "
                f"lies outside the one-sided derivatives {one_sided.left:.6g} .. {one_sided.right:.6g}"
            )
    _judge_kinks_together(argument, index, verdicts, yours, finite_differences, bands.wrong_above * scale)
    argument.verdicts = verdicts
    if decimals is not None and SUSPICIOUS in verdicts:
        off = [argument.entry_names[i] for i, v in enumerate(verdicts) if v == SUSPICIOUS]
        argument.notes.append(
            f"{', '.join(off[:5])}{' ...' if len(off) > 5 else ''}: more than half a unit of the last of "
            f"{decimals} decimals from diffkit's value, but within one unit, as a value computed from rounded "
            "intermediates can be (they pass, shown)"
        )
    _cross_check(argument, index, used, bands, finite_differences, scale, atol)
    return zero_floor


def _judge_kinks_together(argument, index, verdicts, yours, finite_differences, threshold):
    """Entries at non-differentiable points, judged together where they are one kink: at a tie
    (``max`` of equal entries) each tied entry alone may take any value between 0 and 1, but
    moved together they move f at rate 1, so a subgradient's entries there sum to 1.

    Only an argument with an entry that passed as a non-differentiable point is looked at;
    every entry of it at a kink takes part, one whose value matched the reference too (a
    reference that routes a tie to one entry). The kinks are grouped into ties (:func:`_ties`);
    over each tie the sum of yours must lie between the slopes of f with the tie's entries
    moved together, else each of them is wrong, with a note saying why.
    """
    if KINK not in verdicts:
        return
    slopes = {}
    for entry, verdict in enumerate(verdicts):
        if entry in argument.one_sided:
            slopes[entry] = argument.one_sided[entry]
        elif verdict == CORRECT:
            one_sided = finite_differences.one_sided(index, entry, threshold)
            if one_sided.is_kink:
                slopes[entry] = (one_sided.left, one_sided.right)
    noise = {entry: finite_differences.noise(index, entry) for entry in slopes}
    for tie, moved in _ties(sorted(slopes), slopes, noise, index, finite_differences, threshold):
        total = float(np.sum(yours[tie]))
        if moved.contains(total, len(tie) * threshold + sum(noise[entry] for entry in tie)):
            continue
        names = [argument.entry_names[entry] for entry in tie]
        for entry in tie:
            verdicts[entry] = WRONG
        argument.notes.append(
            f"{', '.join(names[:5])}{' ...' if len(names) > 5 else ''} are one non-differentiable point (a tie): "
            f"moved together they change f at a rate between {moved.left:.6g} and {moved.right:.6g}, but yours sum "
            f"to {total:.6g} there. A subgradient at a tie shares the gradient among the tied entries (all of it to "
            "one of them, or split), rather than giving each the whole"
        )


def _ties(kinks, slopes, noise, index, finite_differences, threshold):
    """The groups of ``kinks`` that are one kink, each with f's slopes along it moved together.

    Two kinks are one when moving them together changes f at another rate than their own
    slopes add up to (``max(a, b)`` at a = b: 1, not 2); separate kinks (``relu(a) +
    relu(b)``) add up. Up to ``PAIRED_KINKS`` kinks are tested pair by pair and the pairs
    joined into groups; past that, entries of equal value are taken as a group (ties of the
    argument's own entries) and tested as a whole.
    """
    def coupled(group):
        moved = finite_differences.together(index, group)
        slack = len(group) * threshold + sum(noise[entry] for entry in group)
        left = sum(slopes[entry][0] for entry in group)
        right = sum(slopes[entry][1] for entry in group)
        return moved, abs(moved.left - left) > slack or abs(moved.right - right) > slack

    if len(kinks) <= PAIRED_KINKS:
        group_of = {entry: {entry} for entry in kinks}
        for position, first in enumerate(kinks):
            for second in kinks[position + 1:]:
                if group_of[first] is not group_of[second] and coupled([first, second])[1]:
                    joined = group_of[first] | group_of[second]
                    for entry in joined:
                        group_of[entry] = joined
        candidates = {id(group): sorted(group) for group in group_of.values()}.values()
    else:
        values = finite_differences.views[index]
        by_value = {}
        for entry in kinks:
            by_value.setdefault(float(values[entry]), []).append(entry)
        candidates = by_value.values()
    for group in candidates:
        if len(group) > 1:
            moved, one_kink = coupled(group)
            if one_kink:
                yield group, moved


def _estimates(method, index, leaf, scale, finite_differences):
    """Per entry, the error estimate of a reference: its rounding level, or fd-central's own estimate."""
    if method == FINITE_DIFFERENCES:
        return finite_differences.error_array(index).reshape(-1)
    return np.full(leaf.size, ROUNDING_FACTOR * dtype_eps(leaf.dtype) * scale)


def _cross_check(argument, index, used, bands, finite_differences, scale, atol):
    """Note entries where another reference disagrees with the judging one, and what explains it."""
    primary = argument.references[used[0]]
    for other in used[1:]:
        values = argument.references[other]
        gap = np.abs(values - primary)
        loose = argument.estimates[used[0]] + argument.estimates[other] if atol is None else atol
        disagree = np.flatnonzero((relative_error(values, primary) > bands.wrong_above) & (gap > loose))
        if atol is None and other != FINITE_DIFFERENCES:
            disagree = [i for i in disagree if not _both_zero(index, int(i), used[0], other, primary, values, finite_differences)]
        if len(disagree):
            listed = ", ".join(
                f"{argument.entry_names[i]} ({used[0]} {primary[i]:.6g}, {other} {values[i]:.6g})" for i in disagree[:3]
            )
            more = f" and {len(disagree) - 3} more" if len(disagree) > 3 else ""
            threshold = bands.wrong_above * scale
            kinks = [finite_differences.one_sided(index, int(i), threshold).is_kink for i in disagree[:3]]
            if all(kinks):
                cause = "one-sided differences show a kink within the finite-difference step there"
            elif other == FINITE_DIFFERENCES and all(finite_differences.swamped(index, int(i)) for i in disagree[:3]):
                cause = (
                    "the entries there are smaller than the rounding of x ± h (the step is "
                    f"{finite_differences.step(index, int(disagree[0])):.2g}), so the central differences see them "
                    "as 0; they do not contradict " + used[0]
                )
            elif other == FINITE_DIFFERENCES and not any(
                finite_differences.settles(index, int(i), primary[i]) for i in disagree[:3]
            ):
                cause = (
                    "the central differences there change as the step shrinks (rounding noise or truncation "
                    "error of finite differences), so they do not contradict " + used[0]
                )
            else:
                cause = "no kink found there: please report this as a problem in diffkit"
            argument.notes.append(f"{other} disagrees with {used[0]} at {listed}{more}: {cause}")


def _both_zero(index, entry, primary_name, other, primary, values, finite_differences):
    """Whether two exact references are both 0 at an entry, up to their measured rounding noise."""
    noise = finite_differences.noise(index, entry)
    if abs(primary[entry]) > noise or abs(values[entry]) > noise:
        return False
    floor = ZERO_NOISE_FACTOR * max(
        finite_differences.reference_noise(primary_name)[index], finite_differences.reference_noise(other)[index]
    )
    return abs(values[entry] - primary[entry]) <= floor


def _add_hints(argument, index, aligned, primary, decimals=None):
    """Name the likely mistake: a transpose, a missing sum over the batch, a constant factor."""
    raw = aligned.raw[index]
    if primary is None or raw is None:
        return
    reference = primary[index]
    name = argument.name
    if raw.ndim == 2 and raw.shape != reference.shape and raw.shape == reference.shape[::-1]:
        if _matches(raw.T, reference):
            argument.findings.append(f"the transpose of your gradient for {name} matches diffkit's: return its transpose")
        return
    if argument.verdict != WRONG:
        return
    if aligned.reshaped[index] and _matches(raw.reshape(reference.shape), reference):
        argument.findings.append(f"your values for {name} are right once reshaped to {reference.shape}")
    elif raw.ndim == 2 and raw.shape == reference.shape and raw.shape[0] == raw.shape[1] and _matches(raw.T, reference):
        argument.findings.append(f"the transpose of your gradient for {name} matches diffkit's: transposed?")
    elif raw.size > reference.size and _matches(_sum_to(raw, reference.shape), reference):
        argument.findings.append(f"summed over the broadcast (batch) axes, your gradient for {name} matches diffkit's")
    elif argument.yours is not None and not _rounding_hint(argument, argument.yours, reference.reshape(-1), decimals):
        _factor_hint(argument, argument.yours, reference.reshape(-1))


def _matches(candidate, reference):
    """Whether ``candidate`` equals ``reference`` up to rounding, entry by entry."""
    if candidate is None or candidate.shape != reference.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(reference), initial=0.0)))
    close = (relative_error(candidate, reference) <= HINT_AGREEMENT) | (np.abs(candidate - reference) <= 1e-12 * scale)
    return bool(np.all(close))


def _sum_to(array, shape):
    """``array`` summed over the axes along which ``shape`` was broadcast to it (None if it was not)."""
    try:
        if np.broadcast_shapes(array.shape, shape) != array.shape:
            return None
    except ValueError:
        return None
    lead = array.ndim - len(shape)
    summed = array.sum(axis=tuple(range(lead))) if lead else array
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and summed.shape[i] != 1)
    return summed.sum(axis=axes, keepdims=True) if axes else summed


def _rounding_hint(argument, yours, reference, decimals):
    """Whether rounding explains how yours differ (then say so): values written to few decimals.

    Values such as -0.197 and 0.394 are diffkit's -0.19661 and 0.39322 rounded to three
    decimals (the second from a rounded intermediate); their common ratio 1.002 is
    no missing factor. Values written to too few digits to carry the gradient (a unit of
    their last decimal above a tenth of its largest entry: 0.2 where 0.1 is right, the 0s
    and 1s of a mask) could be anything rounded, so rounding explains nothing there.
    Given ``decimals`` the verdicts already judged the rounding.
    """
    if decimals is not None:
        return False
    written = implied_decimals(yours)
    if written is None or written > 6 or not np.all(np.abs(yours - reference) <= 10.0**-written):
        return False
    if 10.0**-written > ROUNDED_UNIT_OF_GRADIENT * float(np.max(np.abs(reference), initial=0.0)):
        return False  # too few digits to tell rounding from a mistake: 0.2 where 0.1 is right, a 0/1 mask
    argument.notes.append(
        f"your values for {argument.name} are written to {written} decimal{'s' if written != 1 else ''} and lie "
        f"within rounding of diffkit's: pass decimals={written} to judge them against rounding"
    )
    return True


def _factor_hint(argument, yours, reference):
    nonzero = np.abs(reference) > 0
    if not nonzero.any() or np.any((yours == 0) != ~nonzero) or not np.isfinite(yours).all():
        return
    ratios = yours[nonzero] / reference[nonzero]
    ratio = float(np.median(ratios))
    if abs(ratio - 1) > 1e-3 and np.all(np.abs(ratios - ratio) <= HINT_AGREEMENT * abs(ratio)):
        argument.notes.append(
            f"every entry of yours for {argument.name} is {ratio:.6g} times diffkit's: a constant factor "
            "(a missing 2, 1/N or sign) rather than a wrong formula"
        )


def _settings(problem, used, rtol, atol, mode, seed, directions, finite_differences, full, zero_floors, decimals):
    lines = [f"references: {', '.join(used)} (entries are judged against {used[0]}; the others cross-check it)"]
    dtypes = sorted({leaf.dtype.name for leaf in problem.leaves})
    if FINITE_DIFFERENCES in used or full:
        steps = ", ".join(f"{d}: eps**(1/3) = {np.finfo(d).eps ** (1 / 3):.2e}" for d in dtypes)
        lines.append(f"central step h = {STEP_RULE}, in each argument's own dtype ({steps})")
        if finite_differences.steps:
            lines.append(
                f"steps used: {min(finite_differences.steps):.3g} .. {max(finite_differences.steps):.3g}; "
                f"finite-difference evaluations: {finite_differences.evaluations}"
            )
    if finite_differences.noise_evaluations:
        lines.append(
            f"rounding noise of f: measured from {finite_differences.noise_evaluations + 1} evaluations on a line of "
            f"exact points a few hundred ulps from x: {finite_differences.measured_noise():.2g} "
            "(standard deviation; it sets the rounding term of the finite differences' error estimate)"
        )
    if decimals is None:
        lines += [f"bands {bands_for(d, rtol).describe()}" for d in dtypes]
    else:
        lines.append(
            f"decimals = {decimals}: yours were rounded to {decimals} decimals, so an entry is correct within half a "
            f"unit of the last decimal ({0.5 * 10.0**-decimals:g}) of the reference (plus its error estimate), "
            f"suspicious within one unit ({10.0**-decimals:g}), else wrong"
        )
    if atol is not None:
        lines.append(f"atol = {float(atol):.3g}: an entry whose absolute error is at most atol counts as correct")
    else:
        lines.append(
            "atol (default): the reference's error estimate (shown as ± beside each reference value) plus your own "
            f"rounding: {ROUNDING_FACTOR} * eps * max|gradient| of the argument for an exact reference, fd-central's "
            "own estimate (truncation measured at h/2, rounding from the measured noise of f) for finite "
            "differences"
            + (f"; yours carry {ROUNDING_FACTOR} * eps * |yours|" if decimals is None else "; yours, their rounding")
        )
        for name, floor in zero_floors.items():
            runs = finite_differences.reference_runs.get(used[0], 0)
            lines.append(
                f"atol for entries of {name} whose {used[0]} value is 0 to within finite-difference noise: "
                f"{floor:.2g} = {ZERO_NOISE_FACTOR} * the rounding noise of {used[0]}'s gradient, measured from "
                f"{runs} runs on the same line"
            )
    if mode == "random":
        lines.append(f"mode: random ({directions} seeded unit direction(s) per argument, seed {seed})")
    else:
        lines.append("mode: full (every entry)")
    lines.append(
        "kinks: where the left and right differences disagree by more than curvature explains "
        "(compared at h, h/2, h/4), an entry is a non-differentiable point"
    )
    return lines


def _pass_rule(primary, decimals=None):
    judged = (
        f"more than one unit of the last of {decimals} decimals from {primary} (beyond its error estimate)"
        if decimals is not None
        else f"its relative error against {primary} is above the wrong band and its absolute error above atol"
    )
    return (
        f"an entry is wrong when {judged}, unless it is a non-differentiable point and yours lies between the "
        "one-sided derivatives; an argument with a structural finding is wrong; the check passes when "
        "no argument is wrong (suspicious entries pass but are shown)"
    )


def _warnings(problem):
    weak = sorted({leaf.dtype.name for leaf in problem.leaves if leaf.dtype.itemsize < 8})
    if not weak:
        return []
    return [
        f"{', '.join(weak)} arguments: the program runs in {weak[0]}, so finite differences carry errors "
        f"near {np.finfo(weak[0]).eps ** (2 / 3):.0e} and the bands are loosened to match; a {weak[0]} check is "
        "weak and can miss small errors. Check in float64 when you can."
    ]
