"""Complex-step values: a real value carrying an imaginary perturbation through analytic ops.

The complex-step derivative ``Im f(x + ih) / h`` needs every op on the way to be
analytic. A :class:`ComplexStepValue` applies each primitive's NumPy face to complex
numbers and refuses non-analytic ops (abs, relu, max...) with a clear error, instead
of a silently wrong derivative. Comparisons look at the real part, the program's real
value.
"""

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..core.values import COMPARISONS, BoxedValue


class ComplexStepValue(BoxedValue):
    """A real value carrying an imaginary perturbation through analytic ops."""

    __slots__ = ("value",)
    kind = "complex-step"
    _level = 0

    def __init__(self, value):
        self.value = value

    @property
    def shape(self):
        return np.shape(self.value)

    @property
    def dtype(self):
        """The real dtype the program computes in (float64 for the complex128 it carries)."""
        return np.real(np.empty(0, dtype=np.result_type(self.value))).dtype

    def _process(self, primitive, args, params):
        if not primitive.analytic:
            raise errors.NonAnalyticError(
                f"the complex-step method cannot differentiate dk.{primitive.name}, which is not "
                f"analytic (at {user_location() or 'an unknown line'}). Use 'fd-central', "
                "'fd-richardson' or 'tape' for programs with kinks."
            )
        values = [a.value if isinstance(a, ComplexStepValue) else a for a in args]
        return ComplexStepValue(primitive.evaluate_numeric(values, params))

    def _compare(self, op_name, other):
        other = np.real(other.value) if isinstance(other, ComplexStepValue) else other
        real = np.real(self.value)
        return COMPARISONS[op_name](real, other)

    def __bool__(self):
        return self._truth(np.real(self.value))

    def _decided(self):
        return np.real(self.value)

    def _become(self, updated):
        self.value = updated.value if isinstance(updated, ComplexStepValue) else updated

    def __repr__(self):
        return f"ComplexStepValue({self.value!r})"
