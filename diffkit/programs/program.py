"""The :class:`Program` type: a function, its example arguments, and what describes it.

Programs are what the harness, the checker and the notebooks run: the lecture
examples, network families and programs with loops all take this one shape, and so can
a user's own function.
"""

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from .. import errors
from ..core.containers import flatten
from ..core.problem import normalize_argnums
from ..core.values import short_repr

CONTROL_FLOW = ("none", "fixed-loop", "data-dependent")


@dataclass
class Program:
    """A program written with diffkit ops, ready for any method.

    ``expected`` holds the numbers the lecture notes print: ``"value"``, ``"grad"`` (a dict
    by argument name, possibly partial), ``"forward"`` (named intermediate values) and
    ``"backward"`` (the gradient of the output at those intermediates), each to the
    number of decimals in ``printed_decimals`` (exact when absent). ``exact_grad``, when
    known, is an independently derived derivative ``exact_grad(*args) -> grad``, shaped
    like the gradient every method returns.

    A lecture function may take a keyword-only ``notes`` dict and store its named
    intermediate values in it; :meth:`intermediates` and :meth:`compare_with_notes`
    use that to show "lecture says / diffkit computes" node by node.
    """

    name: str
    function: Callable
    args: tuple
    argnums: Any = 0
    description: str = ""
    family: str = "user"  # one of registry.FAMILIES
    depth: int = 1  # layers or loop iterations
    control_flow: str = "none"  # one of CONTROL_FLOW
    on_kink: bool = False  # the example point sits on a relu/abs/max kink
    expected: dict = field(default_factory=dict)
    exact_grad: Optional[Callable] = None
    settings: dict = field(default_factory=dict)  # the builder parameters that made it
    printed_decimals: dict = field(default_factory=dict)  # expected key -> decimals the notes print
    model: Any = field(default=None, repr=False)  # networks: the model (predict, accuracy) behind the loss
    data: Any = field(default=None, repr=False)  # networks: the whole dataset the batch was taken from

    def __post_init__(self):
        if self.control_flow not in CONTROL_FLOW:
            raise errors.InputError(
                f"control_flow must be one of {', '.join(map(repr, CONTROL_FLOW))}, got {self.control_flow!r}"
                f"{errors.did_you_mean(self.control_flow, CONTROL_FLOW)}"
            )
        if not callable(self.function):
            raise errors.InputError(f"Program {self.name!r}: function must be the program to differentiate, got "
                                    f"{type(self.function).__name__}")
        if not isinstance(self.args, (tuple, list)):
            raise errors.InputError(
                f"Program {self.name!r}: args is the tuple of example arguments, got {type(self.args).__name__}: "
                f"write args=({short_repr(self.args)},) for one argument"
            )
        self.args = tuple(self.args)
        try:  # the check every method makes, made when the program is declared
            normalize_argnums(self.argnums, len(self.args), self.function)
        except errors.InputError as exc:
            raise errors.InputError(f"Program {self.name!r}: {exc}") from None

    @property
    def num_params(self):
        """Number of scalar entries differentiated."""
        nums = (self.argnums,) if isinstance(self.argnums, int) else tuple(self.argnums)
        total = 0
        for n in nums:
            leaves, _ = flatten(self.args[n])
            total += int(sum(np.size(leaf) for leaf in leaves))
        return total

    @property
    def tags(self):
        return {
            "family": self.family,
            "params": self.num_params,
            "depth": self.depth,
            "control_flow": self.control_flow,
            "on_kink": self.on_kink,
        }

    def __call__(self, *args):
        return self.function(*(args or self.args))

    def intermediates(self):
        """Named intermediate values and the output's gradient at each (see :mod:`.notes`)."""
        from .notes import intermediates

        return intermediates(self)

    def compare_with_notes(self, method="tape"):
        """One row per number the notes print: printed, computed, and whether they agree."""
        from .notes import compare_program

        return compare_program(self, method=method)

    def gradient(self, method="tape", **options):
        """Differentiate at the example arguments with one method."""
        from ..api import gradient

        return gradient(self.function, *self.args, argnums=self.argnums, method=method, **options)


# --- builder settings ---------------------------------------------------------------------------
def check_seed(seed):
    """A builder's ``seed`` setting: a non-negative int, as NumPy's generators take."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise errors.InputError(
            f"seed must be a non-negative integer (it seeds NumPy's random generator, e.g. seed=0); got {seed!r}"
        )
    return int(seed)


def check_count(value, name, minimum=0):
    """A builder's integer setting (a size, a count of steps): an int of at least ``minimum``."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise errors.InputError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def check_real(value, name, minimum=None):
    """A builder's real-number setting as a float: finite, and at least ``minimum`` if given."""
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not real or not math.isfinite(value) or (minimum is not None and value < minimum):
        bound = f" >= {minimum}" if minimum is not None else ""
        raise errors.InputError(f"{name} must be a finite number{bound}; got {value!r}")
    return float(value)
