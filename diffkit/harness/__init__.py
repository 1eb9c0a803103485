"""The comparison harness: suites of cases, isolated workers, a results database, reports.

``cases`` says what one case is, ``suites`` which cases a suite holds, ``measure`` runs
one case in this process, ``worker`` runs it in an isolated child with limits,
``executor`` schedules cases and writes each row to the ``database`` as it finishes,
and ``report`` rebuilds index.md/index.html and the plots from the database alone.
"""

from .cases import Case
from .executor import run_suite
from .report import build_report
from .suites import load_suite, suite_names

__all__ = ["Case", "run_suite", "build_report", "load_suite", "suite_names"]
