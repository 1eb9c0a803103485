"""Complex-step differentiation: f'(x) = Im f(x + ih) / h, exact to rounding.

There is no subtraction, so h can be tiny (1e-20) and the derivative is as accurate
as the value. It needs every op to be analytic: the program runs on
:class:`ComplexStepValue` boxes, which refuse abs, relu, max and other kinks with a
clear error instead of returning a silently wrong derivative. Comparisons (``if x > 0``)
look at the real part, which is the program's real value.
"""

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..core.values import COMPARISONS, BoxedValue
from ..core.problem import scalar_output
from .base import GradientResult, Method
from .finite_differences import checked_step
from .registry import register


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

    def __repr__(self):
        return f"ComplexStepValue({self.value!r})"


class ComplexStepMethod(Method):
    name = "fd-complex"
    summary = "complex step Im f(x + ih) / h: exact to rounding, analytic programs only"
    options = {"step": "imaginary step h (default 1e-20 * max(|x|, 1))"}

    def gradient(self, problem, step=None):
        step = checked_step(step)
        base = [leaf.astype(np.complex128) for leaf in problem.leaves]
        grads = [np.zeros(leaf.shape) for leaf in problem.leaves]
        evaluations = 0
        value = None
        for leaf_index, leaf in enumerate(base):
            flat = leaf.reshape(-1)
            for entry in range(flat.size):
                x = flat[entry].real
                h = step if step is not None else 1e-20 * max(abs(x), 1.0)
                flat[entry] = complex(x, h)
                try:
                    out = self._evaluate(problem, base)
                finally:
                    flat[entry] = complex(x, 0.0)
                evaluations += 1
                grads[leaf_index].reshape(-1)[entry] = np.imag(out) / h
                value = float(np.real(out))
        if value is None:  # nothing to differentiate: still report the value
            value = float(np.real(self._evaluate(problem, base)))
            evaluations += 1
        stats = {"evaluations": evaluations, "step": "fixed" if step is not None else "1e-20 * max(|x|, 1)"}
        return GradientResult(value=value, grad=problem.pack(grads), stats=stats)

    def _evaluate(self, problem, leaves):
        out = problem.call([ComplexStepValue(leaf) for leaf in leaves])
        out = scalar_output(out, getattr(problem.f, "__name__", "the program"))
        if isinstance(out, ComplexStepValue):
            out = out.value
        return np.asarray(out).reshape(())[()]


register(ComplexStepMethod())
