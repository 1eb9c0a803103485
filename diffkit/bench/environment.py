"""The machine and library versions a benchmark ran on, and its thread settings."""

import ctypes
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


# glibc's mallopt parameters (malloc.h) and the values the timing sections set.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest: every benchmark array comes from the heap
_TRIM_THRESHOLD = 512 * 1024 * 1024  # freed heap is kept for reuse, not handed back to the kernel
SETTLED_ALLOCATOR = (
    f"glibc malloc with fixed thresholds (mmap {_MMAP_THRESHOLD // 2**20} MiB, trim {_TRIM_THRESHOLD // 2**20} MiB): "
    "freed NumPy buffers are reused, so no candidate pays for the kernel's fresh pages"
)


def settle_allocator():
    """Put the C allocator in one state for the timing sections; return how it was left.

    glibc adapts its thresholds as the process runs: whether a 128 KiB array comes from
    fresh, page-faulting memory or from freed heap depends on what was allocated and freed
    before (importing a peer library raises them). On this project's machine that moves a
    gradient at 4x256 by about a third, for every candidate, from run to run. Fixing the
    thresholds makes every run time the same allocator. It lasts for the rest of the
    process (glibc cannot read the adaptive state back), and changes no result. The
    peak-memory section runs in fresh processes, on the default allocator.
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return "the platform's default allocator (not glibc: thresholds left as they are)"
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return "glibc's default allocator (mallopt not found)"
    if mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD) != 1 or mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD) != 1:
        return "glibc's default allocator (mallopt refused the thresholds)"
    return SETTLED_ALLOCATOR


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
