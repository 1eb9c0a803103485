"""What a user's layer can change as it runs, captured so that a check can put it back.

A forward pass often writes state besides its output: a batchnorm updates
``bn_param['running_mean']``, a layer caches its input on ``self``. ``check_backward``
runs the forward many times, on traced values and shifted inputs; each run must start
from the state the user's own forward and backward left, and the user must find that
state afterwards, holding NumPy arrays, not traced values. :class:`UserState` records
the containers reachable from the layer (its attributes, the dicts and lists inside
them, the forward's closure and the globals it names, dicts passed as inputs) and
restores their entries, keeping each object's identity and an array's values.
"""

import types

import numpy as np

_DEPTH = 4
_SKIPPED = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)


class UserState:
    """Entries of the user's containers at one moment; :meth:`restore` puts them back."""

    def __init__(self, roots):
        self._entries = []  # (setter, deleter, saved items)
        self._arrays = []  # (array, a copy of its values)
        seen = set()
        for root in roots:
            self._visit(root, seen, _DEPTH)

    def _visit(self, value, seen, depth):
        if depth < 0 or id(value) in seen or value is None:
            return
        if isinstance(value, np.ndarray):
            seen.add(id(value))
            if value.flags.writeable and value.dtype != object:
                self._arrays.append((value, value.copy()))
            return
        if isinstance(value, _SKIPPED) or isinstance(value, (str, bytes, int, float, complex, bool, np.generic)):
            return
        seen.add(id(value))
        if isinstance(value, dict):
            self._entries.append((value, dict(value)))
            items = list(value.values())
        elif isinstance(value, list):
            self._entries.append((value, list(value)))
            items = list(value)
        elif isinstance(value, tuple):
            items = list(value)
        elif isinstance(value, types.CellType):
            try:
                items = [value.cell_contents]
            except ValueError:  # an empty cell
                return
            self._entries.append((value, items[0]))
        elif isinstance(getattr(value, "__dict__", None), dict):
            self._entries.append((value.__dict__, dict(value.__dict__)))
            items = list(value.__dict__.values())
        else:
            return
        for item in items:
            self._visit(item, seen, depth - 1)

    def restore(self):
        for container, saved in self._entries:
            if isinstance(container, dict):
                container.clear()
                container.update(saved)
            elif isinstance(container, list):
                container[:] = saved
            else:
                container.cell_contents = saved
        for array, saved in self._arrays:
            array[...] = saved


def roots_of(module, data_inputs):
    """Where a module keeps state: the layer, the forward's and backward's closures and named globals, data inputs."""
    roots = [module.layer] if module.layer is not None else []
    for function in (module.forward_fn, module.backward_fn):
        roots.append(getattr(function, "__self__", None))  # a bound method's object
        function = getattr(function, "__func__", function)
        roots.extend(getattr(function, "__closure__", None) or ())
        code, namespace = getattr(function, "__code__", None), getattr(function, "__globals__", {})
        if code is not None:
            roots.extend(namespace[name] for name in code.co_names if name in namespace)
    return roots + [value for value in data_inputs if not isinstance(value, np.ndarray)]
