"""A module that is imported the first time one of its attributes is read.

``import diffkit`` must stay light: SymPy takes about a second to import and a user of
the tape never needs it. Modules that use SymPy only inside functions name it through
``from diffkit.core.lazy import sympy``; the real import happens at the first
``sympy.something`` that runs.
"""

import importlib


class LazyModule:
    """Stands in for the module ``name`` until an attribute of it is needed."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attribute):
        module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self):
        return f"<lazy module {self._name!r}>"


sympy = LazyModule("sympy")
