"""The machine a run measured on: CPU model, cores, load, Python and NumPy.

Timings mean little without the machine behind them, and on a shared machine its load
(the load average, taken when the run starts and when it ends) says whether other work
competed for the cores. The harness stores this with every run and the bench with
every benchmark.
"""

import os
import platform


def cpu_model():
    """The CPU's model name (from /proc/cpuinfo on Linux), else what the platform says."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average():
    """The 1-, 5- and 15-minute load averages (None where the system has none)."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def describe_machine():
    """The machine as a JSON-ready dict."""
    import numpy as np

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "load_at_start": load_average(),
    }
