"""The built-in studies: Table 1, the step-size study and the Jacobian/Hessian study.

Each declares its cases, how one runs and its part of the report in one module
(:mod:`.fd_steps`, :mod:`.table1`, :mod:`.jacobian_suite`) and registers itself in the
harness's registry (:mod:`diffkit.harness.studies`), which the harness, the report and
the command line read. Importing this package registers them; a user's suite module
registers a study of its own with the same :func:`register_study`.
"""

from ..harness.studies import Study, get_study, register_study, studies
from . import fd_steps, table1, jacobian_suite  # noqa: F401  (each registers its study, in this order)

__all__ = ["Study", "get_study", "register_study", "studies"]
