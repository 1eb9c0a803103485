"""What every differentiation method shares: the result it returns and the method protocol.

Every method reads a :class:`~diffkit.core.problem.Problem` and returns a
:class:`GradientResult`; nothing downstream knows a method's insides.
"""

import time
from dataclasses import dataclass, field
from typing import Any

from .. import errors



@dataclass
class GradientResult:
    """The value of a program, its gradient (shaped like the arguments) and method statistics."""

    value: float
    grad: Any
    stats: dict = field(default_factory=dict)
    method: str = ""
    expressions: Any = None  # symbolic methods: {"value": expr, "grad": [exprs per entry]}

    def __repr__(self):
        return f"GradientResult(method={self.method!r}, value={self.value!r}, grad={self.grad!r}, stats={self.stats!r})"


class Method:
    """A differentiation method: turns a :class:`Problem` into a :class:`GradientResult`."""

    name = ""
    summary = ""
    options = {}  # option name -> one-line description

    def gradient(self, problem, **options):
        raise NotImplementedError

    def run(self, problem, **options):
        unknown = set(options) - set(self.options)
        if unknown:
            accepted = ", ".join(sorted(self.options)) or "none"
            raise errors.InputError(
                f"method {self.name!r} has no option {', '.join(sorted(unknown))}; its options are: {accepted}"
            )
        start = time.perf_counter()
        result = self.gradient(problem, **options)
        result.stats.setdefault("seconds", time.perf_counter() - start)
        result.method = self.name
        return result

    def __repr__(self):
        return f"<diffkit method {self.name}: {self.summary}>"
