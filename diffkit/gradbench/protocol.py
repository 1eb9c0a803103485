"""GradBench's message loop: one JSON message in, one JSON response out, per line.

A response always carries the message's ``id``. ``define`` succeeds for the modules
diffkit implements; ``evaluate`` prepares the input once (outside the timings, as
GradBench's own Python tools do), runs the function at least ``min_runs`` times and
until ``min_seconds`` have passed, and returns the last output with one ``evaluate``
timing per run. A failure is a response with ``success: false`` and the error, never
a crash of the tool.
"""

import json
import time

from .. import errors
from ..methods import get_method
from .evals import MODULES

TOOL = "diffkit"


def _run_repeatedly(function, state, min_runs, min_seconds):
    timings, spent, output = [], 0.0, None
    while len(timings) < max(min_runs, 1) or spent < min_seconds:
        start = time.perf_counter_ns()
        output = function(state)
        elapsed = time.perf_counter_ns() - start
        timings.append({"name": "evaluate", "nanoseconds": elapsed})
        spent += elapsed / 1e9
    return output, timings


def _evaluate(message, method):
    module = MODULES.get(message.get("module"))
    if module is None:
        raise errors.InputError(f"no module {message.get('module')!r}; diffkit implements {', '.join(MODULES)}")
    function = module.functions.get(message.get("function"))
    if function is None:
        raise errors.InputError(f"module {message['module']} has no function {message.get('function')!r}; "
                                f"its functions are {', '.join(module.functions)}")
    data = message.get("input", {})
    state = module.prepare(data, method)
    runs = int(data.get("min_runs", 1)) if isinstance(data, dict) else 1
    seconds = float(data.get("min_seconds", 0.0)) if isinstance(data, dict) else 0.0
    output, timings = _run_repeatedly(function.compute, state, runs, seconds)
    return {"success": True, "output": function.present(output, state), "timings": timings}


def respond(message, method="tape"):
    """The response to one message (a dict)."""
    kind = message.get("kind")
    response = {"id": message.get("id")}
    if kind == "start":
        response.update(tool=TOOL, config={"method": method})
    elif kind == "define":
        known = message.get("module") in MODULES
        response["success"] = known
        if not known:
            response["error"] = f"diffkit has no module {message.get('module')!r}; it implements {', '.join(MODULES)}"
    elif kind == "evaluate":
        try:
            response.update(_evaluate(message, method))
        except Exception as exc:  # noqa: BLE001  (the eval is told, the session goes on)
            response.update(success=False, error=f"{type(exc).__name__}: {exc}")
    return response


def serve(lines_in, stream_out, method="tape"):
    """Answer every message read from ``lines_in`` on ``stream_out``; returns an exit code."""
    get_method(method)  # an unknown method fails now, before the eval starts
    for line in lines_in:
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except json.JSONDecodeError as exc:
            raise errors.InputError(f"a message is not JSON ({exc}): {line[:80]!r}") from None
        stream_out.write(json.dumps(respond(message, method)) + "\n")
        stream_out.flush()
    return 0
