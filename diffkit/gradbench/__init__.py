"""diffkit as a GradBench tool: ``python -m diffkit.gradbench`` speaks GradBench's protocol.

GradBench's evals send JSON messages, one per line, on the tool's stdin and read one
response per message on its stdout: ``start``, ``define`` (a module: an eval's name),
``evaluate`` (a function of that module at an input, repeated ``min_runs`` times and
for at least ``min_seconds``, each run's time in the reply's ``timings``), and
``analysis`` (acknowledged). :mod:`.evals` maps each eval's functions to diffkit's
benchmark programs; :mod:`.protocol` runs the message loop.
"""

from .evals import MODULES
from .protocol import respond, serve

__all__ = ["MODULES", "respond", "serve"]
