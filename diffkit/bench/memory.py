"""Peak memory of one gradient of the benchmark MLP, each candidate measured in a fresh process.

A process of its own per measurement, so no candidate inherits another's freed pages or
allocator state. In it, the problem is built and the gradient computed once (a warm-up:
a compiled gradient is compiled, caches fill), then two figures are taken of one more
gradient:

- resident memory: the kernel's peak resident set (``VmHWM`` of ``/proc/self/status``,
  reset by writing 5 to ``/proc/self/clear_refs`` just before the gradient) less the
  resident set before it: every page the gradient touched, NumPy buffers and Python
  objects alike, as the machine sees them. Where the peak cannot be reset, the
  process's lifetime peak (``resource.getrusage``) is used instead, and so marked.
- traced memory: the peak of ``tracemalloc`` over the same call, less what was traced
  before it: the bytes NumPy and Python allocated, without the allocator's slack.

Run as ``python -m diffkit.bench.memory CANDIDATE CONFIG``; it prints one JSON object.
"""

import gc
import json
import resource
import subprocess
import sys
import tracemalloc

RESIDENT_BY_RESET = "peak resident set (VmHWM, reset before the gradient) less the resident set before it"
RESIDENT_BY_RUSAGE = "lifetime peak resident set (getrusage ru_maxrss) less the resident set before the gradient"
TRACED = "peak of tracemalloc during the gradient less the traced bytes before it"


def _candidates():
    import diffkit as dk

    from . import networks
    from .candidates import API, COMPILED, HANDWRITTEN, TAPE, tape_value_and_grad

    def handwritten(params, X, Y):
        return lambda: networks.numpy_value_and_grad(params, X, Y)[1]

    def public(params, X, Y):
        gradient = dk.grad(networks.dk_loss)
        return lambda: gradient(params, X, Y)

    def compiled(params, X, Y):
        gradient = dk.compile_grad(networks.dk_loss, params, X, Y)
        return lambda: gradient(params, X, Y)

    def tape(params, X, Y):
        return lambda: tape_value_and_grad(networks.dk_loss, params, X, Y)[1]

    return {HANDWRITTEN: handwritten, API: public, COMPILED: compiled, TAPE: tape}


def _status(field):
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"no {field} in /proc/self/status")


def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def measure_here(candidate, config_label):
    """Both figures for one gradient by ``candidate`` on ``config_label``, in this process."""
    from . import environment, networks

    environment.apply_threads(1)
    config = next(c for c in networks.ARRAY_CONFIGS if c.label == config_label)
    params, X, Y = networks.make_problem(config)
    gradient = _candidates()[candidate](params, X, Y)
    gradient()  # warm-up
    gc.collect()
    before = _status("VmRSS")
    by_reset = _reset_peak()
    result = gradient()
    peak = _status("VmHWM") if by_reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    del result
    gc.collect()
    tracemalloc.start()
    traced_before = tracemalloc.get_traced_memory()[0]
    result = gradient()
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del result
    return {
        "candidate": candidate,
        "config": config_label,
        "resident_bytes": max(0, peak - before),
        "resident_how": RESIDENT_BY_RESET if by_reset else RESIDENT_BY_RUSAGE,
        "traced_bytes": max(0, traced_peak - traced_before),
        "traced_how": TRACED,
    }


def measure(candidate, config_label, timeout=300):
    """:func:`measure_here` in a fresh Python process; a dict with ``error`` if it failed."""
    command = [sys.executable, "-m", "diffkit.bench.memory", candidate, config_label]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"candidate": candidate, "config": config_label, "error": f"no answer in {timeout} s"}
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return {"candidate": candidate, "config": config_label, "error": tail}
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_all(config_label):
    """Every candidate of :func:`_candidates` on one configuration, each in its own process."""
    return [measure(candidate, config_label) for candidate in _candidates()]


if __name__ == "__main__":
    print(json.dumps(measure_here(sys.argv[1], sys.argv[2])))
