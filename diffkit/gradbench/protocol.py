"""GradBench's message loop: one JSON message in, one JSON response out, per line.

A response always carries the message's ``id``. ``define`` succeeds for the modules
diffkit implements; ``evaluate`` prepares the input once (outside the timings, as
GradBench's own Python tools do), runs the function at least ``min_runs`` times and
until ``min_seconds`` have passed, and returns the last output with one ``evaluate``
timing per run. A failure is a response with ``success: false`` and the error, never
a crash of the tool: a line that is not JSON, a message that is not an object, a field
of the wrong type all get such a response (``id`` null when the message has none) and
the session goes on.

``analysis`` and any kind diffkit does not know get the bare ``{"id": ...}`` GradBench's
own tools give every message they do not handle, so an eval that adds a kind keeps
working; an unknown kind (a misspelt ``evaluate``, say) is also named on stderr, with
the kinds diffkit knows, so that it is not acknowledged silently.
"""

import json
import sys
import time

from .. import errors
from ..core.values import short_repr
from ..methods import get_method
from ..programs.program import check_count, check_real
from .evals import MODULES

TOOL = "diffkit"
KINDS = ("start", "define", "evaluate", "analysis")


def _run_repeatedly(function, state, min_runs, min_seconds):
    timings, spent, output = [], 0.0, None
    while len(timings) < max(min_runs, 1) or spent < min_seconds:
        start = time.perf_counter_ns()
        output = function(state)
        elapsed = time.perf_counter_ns() - start
        timings.append({"name": "evaluate", "nanoseconds": elapsed})
        spent += elapsed / 1e9
    return output, timings


def _module(message):
    """The module a ``define`` or ``evaluate`` names; an InputError naming those diffkit has."""
    name = message.get("module")
    if not isinstance(name, str) or name not in MODULES:
        raise errors.InputError(f"diffkit has no module {short_repr(name)}{errors.did_you_mean(name, MODULES)}; "
                                f"it implements {', '.join(MODULES)}")
    return MODULES[name]


def _evaluate(message, method):
    module = _module(message)
    name = message.get("function")
    function = module.functions.get(name) if isinstance(name, str) else None
    if function is None:
        raise errors.InputError(f"module {message['module']} has no function {short_repr(name)}"
                                f"{errors.did_you_mean(name, module.functions)}; "
                                f"its functions are {', '.join(module.functions)}")
    data = message.get("input")
    if not isinstance(data, dict):
        raise errors.InputError(f"the input must be a JSON object of the {message['module']} eval's fields "
                                f"({', '.join(module.fields)}); got {short_repr(data)}")
    missing = [field for field in module.fields if field not in data]
    if missing:
        raise errors.InputError(f"the input has no {', '.join(missing)}; the {message['module']} eval's input "
                                f"holds {', '.join(module.fields)}")
    runs = check_count(data.get("min_runs", 1), "min_runs")
    seconds = check_real(data.get("min_seconds", 0.0), "min_seconds", 0)
    state = module.prepare(data, method)
    output, timings = _run_repeatedly(function.compute, state, runs, seconds)
    return {"success": True, "output": function.present(output, state), "timings": timings}


def _define(message, method):
    _module(message)
    return {"success": True}


def _start(message, method):
    return {"tool": TOOL, "config": {"method": method}}


def _acknowledge(message, method):
    kind = message.get("kind")
    if kind not in KINDS:
        print(f"diffkit: warning: message {short_repr(message.get('id'))} has kind {short_repr(kind)}, which "
              f"diffkit does not know{errors.did_you_mean(kind, KINDS)}; acknowledged only. The kinds are "
              f"{', '.join(KINDS)}", file=sys.stderr)
    return {}


HANDLERS = {"start": _start, "define": _define, "evaluate": _evaluate}


def respond(message, method="tape"):
    """The response to one message (a decoded JSON value, a dict when the eval keeps the protocol)."""
    if not isinstance(message, dict):
        return {"id": None, "success": False,
                "error": f"InputError: a message must be a JSON object with an id and a kind; got {short_repr(message)}"}
    response = {"id": message.get("id")}
    kind = message.get("kind")
    handler = HANDLERS.get(kind, _acknowledge) if isinstance(kind, str) else _acknowledge
    try:
        response.update(handler(message, method))
    except Exception as exc:  # noqa: BLE001  (the eval is told, the session goes on)
        response.update(success=False, error=f"{type(exc).__name__}: {exc}")
    return response


def _decode(line):
    """The message on one line, or the response to give a line that is not JSON."""
    try:
        return json.loads(line), None
    except ValueError as exc:
        return None, {"id": None, "success": False,
                      "error": f"InputError: a message is not JSON ({exc}): {line.strip()[:80]!r}"}


def serve(lines_in, stream_out, method="tape"):
    """Answer every message read from ``lines_in`` on ``stream_out``; returns an exit code.

    An unknown ``method`` is an UnknownMethodError before the first message is read.
    """
    get_method(method)
    for line in lines_in:
        if not line.strip():
            continue
        message, failure = _decode(line)
        stream_out.write(json.dumps(failure or respond(message, method)) + "\n")
        stream_out.flush()
    return 0
