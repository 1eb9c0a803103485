"""The machine and library versions a benchmark ran on, and its thread settings."""

import datetime
import os
import platform
import sys

import numpy as np
from ..core.lazy import sympy

import diffkit
from ..harness.machine import cpu_model, load_average

def blas_info():
    """NumPy's BLAS (library, kernel, threads) as threadpoolctl reports it, if installed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"note": "threadpoolctl not installed: BLAS kernel and threads not recorded"}]
    keep = ("user_api", "internal_api", "version", "architecture", "num_threads", "threading_layer")
    return [{key: info.get(key) for key in keep if key in info} for info in threadpool_info()]


def apply_threads(threads):
    """Limit NumPy's BLAS (threadpoolctl) and torch (if loaded) to ``threads`` threads.

    Returns a function that restores the previous settings.
    """
    undo = []
    try:
        from threadpoolctl import threadpool_limits

        undo.append(threadpool_limits(limits=threads).restore_original_limits)
    except ImportError:
        pass
    torch = sys.modules.get("torch")
    if torch is not None:
        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        undo.append(lambda: torch.set_num_threads(previous))

    def restore():
        for step in reversed(undo):
            step()

    return restore


def describe(threads):
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": platform.machine(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "load_at_start": load_average(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "libraries": {"diffkit": diffkit.__version__, "numpy": np.__version__, "sympy": sympy.__version__},
        "threads": threads,
        "blas": blas_info(),
        "blas_environment": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")},
    }
