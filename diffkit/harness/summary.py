"""A short plain-language summary of what the report's figures show, written from the data.

Every sentence is built from the analysed rows (no sentence is written for data that
is absent), so the summary of a rebuilt report matches its numbers.
"""

import math
from collections import Counter

from ..methods import builds_expressions, is_finite_difference, traits_of
from ..report.markdown import sci
from .analysis import NEAR_LIMIT
from .metrics import KNEE

LARGE_ERROR = 1e-2  # a relative gradient error above this is named case by case
NAMED_PER_METHOD = 3


def _percent(x):
    """A large relative error as a reader says it: 3.4%, 106%; 1.2e+03 beyond 1000%."""
    if math.isnan(x) or x >= 10:
        return sci(x)
    return f"{x * 100:.0f}%" if x >= 0.1 else f"{x * 100:.1f}%"


def summarise(analysis, sections=()):
    """A list of paragraphs (plain text with light Markdown); the studies' ``sections`` add theirs last."""
    parts = [
        _overview(analysis),
        _accuracy(analysis),
        _largest_errors(analysis),
        _reference(analysis),
        _swell(analysis),
        _symbolic_failures(analysis),
        _near_limit(analysis),
        _timing(analysis),
        *(section.summary for section in sections),
    ]
    return [p for p in parts if p]


def _overview(analysis):
    totals = analysis["totals"]
    meta = analysis["meta"]
    described = ", ".join(f"{count} {status}" for status, count in totals.most_common())
    seconds = ""
    if meta.get("seconds") is not None and meta.get("finished"):  # every run of a resumed suite, summed
        seconds = f" in {meta['seconds']:.0f} s"
    elif meta.get("started") and meta.get("finished"):
        seconds = f" in {meta['finished'] - meta['started']:.0f} s"
    earlier = "".join(f"; {timeout} s and {memory} MB in an earlier run" for timeout, memory in
                      meta.get("earlier_limits", []))
    return (f"The `{meta.get('suite', '?')}` suite ran {sum(totals.values())} cases{seconds} "
            f"(limits: {meta.get('timeout', '?')} s and {meta.get('memory_mb', '?')} MB per case{earlier}): "
            f"{described}.")


def _accuracy(analysis):
    per_method = analysis["accuracy"]["per_method"]
    shown = {m: v for m, v in per_method.items() if m != "reference-check"}
    if not shown:
        return None
    ranked = sorted(shown.items(), key=lambda item: item[1]["median"])
    best, worst = ranked[0], ranked[-1]
    phrases = [f"{m} {sci(v['median'])}" for m, v in ranked]
    kinks = analysis["accuracy"]["kinks"]
    worst_program = worst[1]["worst_program"]
    where = f" on {worst_program}" + (", whose point sits on a kink" if worst_program in kinks else "")
    text = (f"**Accuracy.** Against the 50-digit reference, the median relative gradient error was: "
            f"{', '.join(phrases)}. {best[0]} was the most accurate and {worst[0]} the least "
            f"(worst case {sci(worst[1]['worst'])}{where}).")
    if any(is_finite_difference(m, approximate_only=True) for m in shown):
        text += (" Methods that follow the program's derivative exactly (tape, symbolic, complex step) sit at "
                 "rounding level; finite differences lose digits to their step size, forward differences most.")
    if kinks:
        text += (f" {len(kinks)} program(s) sit on a kink (a ReLU input or max tie exactly at the point), where "
                 "finite differences straddle the corner and cannot agree with the convention "
                 "(derivative = mean of the one-sided ones) the other methods share.")
    return text


def _largest_errors(analysis):
    """Each method's cases with a relative error above LARGE_ERROR, worst first."""
    accuracy = analysis["accuracy"]
    phrases = []
    for method in accuracy["methods"]:
        large = [(error, program) for (program, m), error in accuracy["errors"].items()
                 if m == method and not error <= LARGE_ERROR]  # NaN (a gradient of the wrong shape) too
        if not large:
            continue
        large.sort(key=lambda item: (math.isnan(item[0]), item[0]), reverse=True)
        named = [f"{_percent(error)} on {program}" + (" (on a kink)" if program in accuracy["kinks"] else "")
                 for error, program in large[:NAMED_PER_METHOD]]
        more = len(large) - NAMED_PER_METHOD
        cases = ", ".join(named[:-1]) + (" and " if len(named) > 1 else "") + named[-1]
        phrases.append(f"{method} {cases}" + (f", and {more} more" if more > 0 else ""))
    if not phrases:
        return None
    return (f"**Largest errors.** Relative gradient errors above {LARGE_ERROR:.0%}: "
            + "; ".join(phrases) + ".")


def _reference(analysis):
    agreement = analysis["agreement_summary"]
    if not agreement:
        return None
    worst = agreement["worst"]
    return (f"**Reference.** On the {agreement['programs']} programs where symbolic differentiation applies, "
            f"the two high-precision routes (the tape over 50-digit numbers, and SymPy's derivative "
            f"evaluated by mpmath) agree to at least {agreement['min_digits']} significant digits "
            f"(largest relative difference {sci(worst['relative'])}, on {worst['program']}).")


def _swell(analysis):
    sentences = []
    for sweep in analysis["size_sweeps"]:
        growths = [s["growth"] for s in sweep["series"] if s["growth"] and s["column"] in ("derivative_tree_size", "nodes")]
        if growths:
            sentences.append(f"on {sweep['title']}, " + "; ".join(growths))
    if not sentences:
        return None
    return "**Expression swell.** " + ". ".join(s[0].upper() + s[1:] for s in sentences) + "."


def _symbolic_failures(analysis):
    failures = [f for f in analysis["failures"] + analysis["unsupported"] if builds_expressions(f["method"])]
    stops = [stop["sentence"] for sweep in analysis["size_sweeps"] for stop in sweep["stops"]
             if stop["status"] != "not run"]
    if not failures and not stops:
        return None
    by_status = Counter(f["status"] for f in failures)
    unsupported = sorted({f["program"] for f in failures if f["status"] == "unsupported"})
    text = "**Where symbolic failed.** " + ", ".join(f"{n} {s}" for s, n in by_status.most_common()) + "."
    if unsupported:
        text += (f" Unsupported (by design) means the program branches on its input, which SymPy cannot decide: "
                 f"{', '.join(unsupported)}; the tape and finite differences handle these.")
    if stops:
        text += " Along the size sweeps, " + "; ".join(stops) + "."
    return text


def _near_limit(analysis):
    near = analysis["near_limit"]
    if not near:
        return None
    cases = ", ".join(f"{n['program']} by {n['method']} ({n['seconds']:.1f} s of {n['limit']:g} s)" for n in near[:6])
    more = f", and {len(near) - 6} more" if len(near) > 6 else ""
    return (f"**Near the limit.** {len(near)} case(s) finished ok but after more than {NEAR_LIMIT:.0%} of their "
            f"time limit: {cases}{more}. On a busier machine or another run they may time out instead.")


def _number(value):
    """A ratio as a reader says it: ``540``, ``8.1``, ``0.52``."""
    return f"{value:.0f}" if value >= 100 else f"{value:.2g}" if value < 10 else f"{value:.3g}"


def _cost(series):
    """``fd-central 540× (IQR 531–552; 515 evaluations)``: the measured ratio with its spread."""
    text = f"{series['method']} {_number(series['largest_ratio'])}×"
    spread = []
    if series.get("largest_ratio_q1") is not None:
        spread.append(f"IQR {_number(series['largest_ratio_q1'])}–{_number(series['largest_ratio_q3'])}")
    if series.get("evaluations"):
        spread.append(f"{series['evaluations']} evaluations")
    return text + (f" ({'; '.join(spread)})" if spread else "")


def _timing(analysis):
    timing = analysis["timing"]
    series = [s for s in timing["series"] if s["scaling"] is not None]
    if not series:
        return None
    measured = [s for s in series if s["scaling"].measurable]
    flat = [s["method"] for s in series if not s["scaling"].measurable]
    text = f"**Runtime.** On {timing['title']}, "
    if measured:
        text += ("gradient time beyond each method's fixed overhead grows with the number of parameters as "
                 "params^slope: " + "; ".join(f"{s['method']} {s['scaling'].describe()}" for s in measured) + ".")
    if flat:
        text += (f" {', '.join(flat)}: not measurable at these sizes (the time stays within "
                 f"{KNEE:g}× the fixed overhead, so it measures the overhead, not the growth).")
    ratios = [s for s in series if s["largest_ratio"] is not None]
    if ratios:
        largest = max(s["largest_params"] for s in ratios)
        at_largest = sorted((s for s in ratios if s["largest_params"] == largest), key=lambda s: s["largest_ratio"])
        text += (f" At {largest} parameters one gradient cost, in forward passes timed in the same rounds: "
                 + ", ".join(_cost(s) for s in at_largest) + ".")
    fd = [s for s in ratios if s.get("evaluations")]
    if fd:
        within = [s["method"] for s in fd if s["largest_ratio_q1"] is not None
                  and s["largest_ratio_q1"] <= s["evaluations"] <= s["largest_ratio_q3"]]
        above = [f"{s['method']} {100 * (s['largest_ratio'] / s['evaluations'] - 1):+.0f}%" for s in fd
                 if s["method"] not in within]
        if within:
            text += f" The evaluations counted lie within the measured spread for {', '.join(within)}."
        if above:
            complex_step = any(s["method"] not in within and traits_of(s["method"]).analytic_only for s in fd)
            why = "each evaluation also moves the inputs and reads the output" + (
                ", and the complex step computes in complex numbers" if complex_step else "")
            text += f" Measured beyond the evaluations counted ({why}): {', '.join(above)}."
    return text


def runtime_lines(analysis):
    """One line per method of the runtime section: its growth beyond the overhead (or why it
    is not measurable) and its cost in forward passes at the largest size, with the spread."""
    lines = []
    for series in analysis["timing"]["series"]:
        scaling = series["scaling"]
        text = f"{series['method']}: " + (scaling.describe() if scaling else "too few sizes to fit")
        if series["largest_ratio"] is not None:
            ratio = series["largest_ratio"]
            passes = "forward pass" if _number(ratio) == "1" else "forward passes"
            text += f"; at {series['largest_params']} parameters {_number(ratio)} {passes} per gradient"
            if series.get("largest_ratio_q1") is not None:
                text += f" (IQR {_number(series['largest_ratio_q1'])}–{_number(series['largest_ratio_q3'])})"
            if series.get("evaluations"):
                text += f", {series['evaluations']} evaluations counted"
        lines.append(text)
    return lines


def machine_sentence(meta):
    """Where and how the run measured: the machine, its load, the clock and the repeats."""
    machine = meta.get("machine")
    if not machine:
        return None
    load = machine.get("load_at_start")
    after = meta.get("load_at_finish")
    loads = ""
    if load:
        loads = f"; load average {load[0]:g} when the run started" + (f", {after[0]:g} when it finished" if after else "")
    return (f"Measured on {machine['cpu']} ({machine['cores']} cores, {machine['system']}), Python "
            f"{machine['python']}, NumPy {machine['numpy']}, {meta.get('jobs', '?')} worker(s){loads}. "
            f"Each time is the median over rounds that time the forward pass and the gradient in turn, filling "
            f"{meta.get('min_time', '?')} s (at least five rounds unless a case's time ran short), with the "
            f"interquartile range; clock: {meta.get('clock', '?')}.")
