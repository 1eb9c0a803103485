"""The one evaluator that runs a program at its point with inputs moved.

Every finite-difference user goes through it: the finite-difference and complex-step
methods (gradients and Jacobians alike), the second-order differences of the Hessian
methods and the gradient checker's one-sided differences. It keeps its own copy of the
differentiated leaves, moves one entry (or all of them along a direction), evaluates,
and puts the entry back, counting evaluations as it goes.

An evaluation should cost one call of the program. So the program is handed read-only
views of the evaluator's own leaves, made once, rather than a fresh copy of every leaf
per call: a program that writes into an argument (``x[0] = 0``) meets NumPy's
"read-only" error on its first write, before anything is changed, and from then on
gets its own copy of each leaf per call, as :meth:`Problem.call` gives (that
evaluation is run again on the copies). A program that keeps its argument (or a view
of it) past the call is seen by the references it adds to the evaluator's arrays: the
evaluator then moves fresh copies of its leaves and leaves the kept ones as they were
at that call, and hands out copies from then on, so what a program keeps is always the
point it was called at. Points made for one call (a line of exact points, a move along
a direction) are the program's to keep. Each output is copied
before the next move: a program may return a view of its input (``x[::-1]``, ``x.T``),
which the next move would change under the caller.
"""

import sys

import numpy as np

READ_ONLY = "read-only"  # how NumPy words a write into a read-only array ("assignment destination is read-only")


class Perturbation:
    """Evaluates ``problem``'s program at shifted points.

    ``read_output(raw)`` checks the program's raw output and returns it as a NumPy
    value (a float for a gradient, an array for a Jacobian); ``dtype`` is the dtype the
    leaves are held in (their own by default, complex for the complex step); ``wrap``
    boxes each leaf for one call (the complex step's values). With ``remember``, a point
    moved along one entry is evaluated once, however often it is asked for (the
    gradient checker revisits f(x + h) for its one-sided differences).
    """

    def __init__(self, problem, read_output, dtype=None, wrap=None, remember=False):
        self.problem = problem
        self.read_output = read_output
        self.wrap = wrap
        self.leaves = [leaf.astype(dtype) if dtype is not None else leaf.copy() for leaf in problem.leaves]
        self.views = [leaf.reshape(-1) for leaf in self.leaves]
        self.evaluations = 0
        self.remembered = {} if remember else None  # (leaf index, entry, h) -> output
        self.copies = False  # the program writes into or keeps its arguments: it gets copies of the leaves
        self._given = [_read_only(leaf) for leaf in self.leaves]
        self._held = self._references()

    def coordinates(self):
        """(leaf index, entry) of every scalar input, in flat order."""
        for leaf_index, view in enumerate(self.views):
            for entry in range(view.size):
                yield leaf_index, entry

    def evaluate(self, leaves=None):
        """The program's output at the current leaves (or at ``leaves``, made for this call), as a copy."""
        self.evaluations += 1
        if leaves is not None:
            return _copied(self.read_output(self.problem.call(self._wrapped(leaves), own=True)))
        out = _copied(self.read_output(self._call_at_point()))
        if not self.copies and self._references() != self._held:
            self._keep_apart()
        return out

    def _wrapped(self, leaves):
        return leaves if self.wrap is None else [self.wrap(leaf) for leaf in leaves]  # boxes made for this call

    def _references(self):
        """References to the evaluator's leaves and to the read-only views it hands out: more
        after a call than before means the program kept an argument, or a view of one."""
        return [sys.getrefcount(array) for pair in zip(self.leaves, self._given) for array in pair]

    def _keep_apart(self):
        """The program kept an argument: leave its arrays as they are (the point of that call)
        and move copies of them from now on, handing the program copies as well."""
        self.copies = True
        self.leaves = [leaf.copy() for leaf in self.leaves]
        self.views = [leaf.reshape(-1) for leaf in self.leaves]
        self._given = None

    def _call_at_point(self):
        if self.copies:
            return self.problem.call(self._wrapped(self.leaves))
        if self.wrap is not None:
            return self.problem.call(self._wrapped(self.leaves), own=True)
        try:
            return self.problem.call(self._given, own=True)
        except ValueError as exc:
            if READ_ONLY not in str(exc):
                raise
        self.copies = True  # the write raised before changing anything: run it again on copies
        return self.problem.call(self.leaves)

    def shifted(self, leaf_index, entry, h):
        """The output with one entry moved by ``h`` (the entry is restored afterwards)."""
        if self.remembered is None:
            return self._shift_and_evaluate(leaf_index, entry, h)
        key = (leaf_index, entry, h)
        if key not in self.remembered:
            self.remembered[key] = self._shift_and_evaluate(leaf_index, entry, h)
        return self.remembered[key]

    def _shift_and_evaluate(self, leaf_index, entry, h):
        view = self.views[leaf_index]
        original = view[entry]
        view[entry] = original + view.dtype.type(h)
        try:
            return self.evaluate()
        finally:
            self.views[leaf_index][entry] = original  # the evaluator's own, which a kept argument may have replaced

    def leaf_moved(self, leaf_index, step):
        """The output with one whole leaf moved by ``step`` (an array of its shape, in its dtype;
        the leaf is restored afterwards)."""
        original = self.leaves[leaf_index].copy()
        self.leaves[leaf_index][...] = original + step
        try:
            return self.evaluate()
        finally:
            self.leaves[leaf_index][...] = original  # the evaluator's own, which a kept argument may have replaced

    def along(self, direction, h):
        """The output at the leaves moved by ``h`` times ``direction`` (one array per leaf)."""
        moved = [leaf + h * np.asarray(d, dtype=leaf.dtype) for leaf, d in zip(self.leaves, direction)]
        return self.evaluate(moved)

    def at_flat(self, shift):
        """The output at the leaves moved by ``shift``, one flat vector over every entry."""
        moved, offset = [], 0
        for leaf in self.leaves:
            moved.append(leaf + np.asarray(shift[offset : offset + leaf.size], dtype=leaf.dtype).reshape(leaf.shape))
            offset += leaf.size
        return self.evaluate(moved)


def numeric_reader(problem, output):
    """``read_output`` for real programs: the raw output checked (``output.check``, a clear error
    otherwise) and read as NumPy floats: a float for a gradient, else an array. A float
    output, what a gradient's program returns, is read without further work."""
    scalar = output.scalar

    def read(raw):
        kind = type(raw)
        if scalar and (kind is float or kind is np.float64):
            return float(raw)
        out = np.asarray(output.check(raw, problem), dtype=float)
        return float(out.reshape(())) if scalar else out

    return read


def forward_pass(problem, output):
    """One evaluation of the program at its point, made as the finite-difference methods make
    each of theirs (a zero-argument function): the forward pass the harness times a gradient against."""
    return Perturbation(problem, numeric_reader(problem, output)).evaluate


def _copied(out):
    return out.copy() if isinstance(out, np.ndarray) else out


def _read_only(leaf):
    view = leaf.view()
    view.flags.writeable = False
    return view
