"""Complex-step differentiation: f'(x) = Im f(x + ih) / h, exact to rounding.

There is no subtraction, so h can be tiny (1e-20) and the derivative is as accurate
as the value. It needs every op to be analytic: the program runs on
:class:`~diffkit.engines.complex_step.ComplexStepValue` boxes, which refuse abs, relu,
max and other kinks with a clear error.
"""

import numpy as np

from ..engines.complex_step import ComplexStepValue
from ..engines.noise import ROUNDING_FACTOR, dtype_eps
from ..engines.perturb import Perturbation
from .base import ColumnMethod, Traits
from .finite_differences import checked_step
from .registry import register


class ComplexStepPushforward:
    """One imaginary step per input entry; the real part of any evaluation is the value."""

    def __init__(self, problem, output, step):
        def read(raw):
            out = output.check(raw, problem)
            return np.asarray(out.value if isinstance(out, ComplexStepValue) else out, dtype=complex)

        self.output = output
        self.step = step
        self.perturbation = Perturbation(problem, read, dtype=np.complex128, wrap=ComplexStepValue)
        # The first column's evaluation also gives the value (no evaluation of its own).
        first = next(((i, 0) for i, view in enumerate(self.perturbation.views) if view.size), None)
        self._first = first
        self._first_column = None
        self._first_column = self.column(*first) if first else None
        if first is None:
            self._real = np.real(self.perturbation.evaluate())
        self.value = float(self._real.reshape(())) if output.scalar else self._real.astype(float)

    def column(self, leaf_index, entry):
        if (leaf_index, entry) == self._first and self._first_column is not None:
            return self._first_column
        x = self.perturbation.views[leaf_index][entry].real
        h = self.step if self.step is not None else 1e-20 * max(abs(x), 1.0)
        out = self.perturbation.shifted(leaf_index, entry, complex(0.0, h))
        self._real = np.real(out)
        return self._present(np.imag(out) / h)

    def along(self, direction):
        size = max((float(np.max(np.abs(leaf), initial=0.0)) for leaf in self.perturbation.leaves), default=0.0)
        h = self.step if self.step is not None else 1e-20 * max(size, 1.0)
        tangent = [1j * np.asarray(d, dtype=float) for d in direction]
        return self._present(np.imag(self.perturbation.along(tangent, h)) / h)

    def _present(self, derivative):
        return float(derivative.reshape(())) if self.output.scalar else derivative

    def entry_stats(self, blocks):
        """Per entry, shaped like ``blocks``: the rounding level of the value and the step.

        There is no truncation error worth the name (h**2 with h = 1e-20); the rounding
        error of an entry is that of a short chain of float operations on the scale of
        its row of the Jacobian (the gradient's largest entry, for a gradient).
        """
        estimates, steps = [], []
        for leaf, block in zip(self.perturbation.leaves, blocks):
            block = np.asarray(block, dtype=float)
            out_ndim = block.ndim - leaf.ndim
            axes = tuple(range(out_ndim, block.ndim))
            scale = np.max(np.abs(block), axis=axes, keepdims=True, initial=0.0)
            estimates.append(np.broadcast_to(ROUNDING_FACTOR * dtype_eps(leaf.dtype) * scale, block.shape).copy())
            x = np.abs(leaf.real).astype(float)
            step = self.step if self.step is not None else 1e-20 * np.maximum(x, 1.0)
            steps.append(np.broadcast_to(step, block.shape).copy())
        largest = [float(np.max(e)) for e in estimates if e.size]
        return {"error_estimate": estimates, "rounding_error": [e.copy() for e in estimates], "step": steps,
                "error_estimate_max": max(largest, default=0.0)}

    def stats(self):
        return {
            "evaluations": self.perturbation.evaluations,
            "step_rule": "fixed" if self.step is not None else "1e-20 * max(|x|, 1)",
        }


class ComplexStepMethod(ColumnMethod):
    name = "fd-complex"
    summary = "complex step Im f(x + ih) / h: exact to rounding, analytic programs only"
    options = {"step": "imaginary step h (default 1e-20 * max(|x|, 1))"}
    traits = Traits(
        family="finite-differences",
        exact=True,
        builds_expressions=False,
        builds_jacobian_by="columns",
        analytic_only=True,
    )

    def pushforward(self, problem, output, step=None):
        return ComplexStepPushforward(problem, output, checked_step(step))


register(ComplexStepMethod())
