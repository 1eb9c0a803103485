"""Which diffkit op serves each NumPy ufunc, NumPy function and array method.

A boxed value (traced, symbolic, dual, complex-step) receives NumPy's calls through
``__array_ufunc__``, ``__array_function__`` and its array methods; these tables say
which op of the table answers. A NumPy function is named by its module and name
(``numpy.max``, ``numpy.linalg.norm``), since ``numpy.linalg`` reuses some top-level
names with other meanings (``numpy.linalg.diagonal`` works on the last two axes).
An op name with a dot (``linalg.det``) lives in that namespace of the op table.
"""

import numpy

UFUNC_TO_OP = {
    "add": "add",
    "subtract": "subtract",
    "multiply": "multiply",
    "divide": "divide",
    "true_divide": "divide",
    "power": "power",
    "float_power": "power",
    "negative": "negative",
    "positive": "copy",
    "absolute": "abs",
    "fabs": "abs",
    "exp": "exp",
    "exp2": "exp2",
    "expm1": "expm1",
    "log": "log",
    "log2": "log2",
    "log10": "log10",
    "log1p": "log1p",
    "sqrt": "sqrt",
    "cbrt": "cbrt",
    "square": "square",
    "reciprocal": "reciprocal",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "arcsin": "arcsin",
    "arccos": "arccos",
    "arctan": "arctan",
    "arctan2": "arctan2",
    "hypot": "hypot",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "arcsinh": "arcsinh",
    "arccosh": "arccosh",
    "arctanh": "arctanh",
    "logaddexp": "logaddexp",
    "logaddexp2": "logaddexp2",
    "maximum": "maximum",
    "minimum": "minimum",
    "fmax": "maximum",
    "fmin": "minimum",
    "matmul": "matmul",
    "sign": "sign",
    "floor": "floor",
    "ceil": "ceil",
    "trunc": "trunc",
    "rint": "round",
    "conjugate": "copy",  # diffkit's values are real
    "deg2rad": "deg2rad",
    "radians": "deg2rad",
    "rad2deg": "rad2deg",
    "degrees": "rad2deg",
    # NumPy 2.2's gufuncs of vectors; vecdot's axis= is passed on
    "vecdot": "vecdot",
    "matvec": "matvec",
    "vecmat": "vecmat",
    # value tests: plain masks read from the values, no derivative
    "isnan": "isnan",
    "isinf": "isinf",
    "isfinite": "isfinite",
}

UFUNC_TO_COMPARISON = {
    "less": "lt", "less_equal": "le", "greater": "gt", "greater_equal": "ge", "equal": "eq", "not_equal": "ne",
}
REVERSED_COMPARISON = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}

_NUMPY_FUNCTIONS = {
    # reductions
    "sum": "sum", "mean": "mean", "max": "max", "amax": "max", "min": "min", "amin": "min",
    "argmax": "argmax", "argmin": "argmin", "prod": "prod", "var": "var", "std": "std",
    "cumsum": "cumsum", "cumprod": "cumprod", "average": "average", "diff": "diff",
    "ptp": "ptp", "cumulative_sum": "cumulative_sum", "cumulative_prod": "cumulative_prod",
    # NaN-aware reductions, and value tests that are not ufuncs
    "nansum": "nansum", "nanmean": "nanmean", "nanmax": "nanmax", "nanmin": "nanmin", "nan_to_num": "nan_to_num",
    "isclose": "isclose", "allclose": "allclose",
    # sorting and order statistics
    "sort": "sort", "argsort": "argsort", "median": "median", "quantile": "quantile", "percentile": "percentile",
    "partition": "partition", "argpartition": "argpartition",
    # elementwise functions that are not ufuncs
    "where": "where", "clip": "clip", "round": "round", "around": "round", "fix": "trunc", "sinc": "sinc",
    "real": "real", "imag": "imag", "select": "select", "piecewise": "piecewise",
    # shapes
    "reshape": "reshape", "transpose": "transpose", "broadcast_to": "broadcast_to", "squeeze": "squeeze",
    "expand_dims": "expand_dims", "ravel": "ravel", "swapaxes": "swapaxes", "moveaxis": "moveaxis",
    "atleast_1d": "atleast_1d", "atleast_2d": "atleast_2d", "atleast_3d": "atleast_3d",
    "flip": "flip", "fliplr": "fliplr", "flipud": "flipud", "rot90": "rot90", "roll": "roll",
    "tile": "tile", "repeat": "repeat", "pad": "pad",
    "stack": "stack", "concatenate": "concatenate", "hstack": "hstack", "vstack": "vstack",
    "row_stack": "vstack", "dstack": "dstack", "column_stack": "column_stack", "append": "append",
    "split": "split", "array_split": "array_split", "hsplit": "hsplit", "vsplit": "vsplit", "dsplit": "dsplit",
    # selection and indexing
    "triu": "triu", "tril": "tril", "diag": "diag", "diagonal": "diagonal", "trace": "trace",
    "take": "take", "take_along_axis": "take_along_axis", "copy": "copy",
    "nonzero": "nonzero", "argwhere": "argwhere", "flatnonzero": "flatnonzero",
    # constants shaped like a value
    "zeros_like": "zeros_like", "ones_like": "ones_like", "full_like": "full_like", "empty_like": "empty_like",
    # products
    "matmul": "matmul", "dot": "dot", "vdot": "vdot", "inner": "inner", "outer": "outer",
    "tensordot": "tensordot", "einsum": "einsum", "kron": "kron", "cross": "cross",
    # sampled functions
    "trapezoid": "trapezoid", "interp": "interp",
    # polynomials and sliding products
    "polyval": "polyval", "convolve": "convolve", "correlate": "correlate",
}
if hasattr(numpy, "trapz"):  # NumPy < 2.4 has the old name too
    _NUMPY_FUNCTIONS["trapz"] = "trapezoid"
_LINALG_FUNCTIONS = {
    "det": "linalg.det", "slogdet": "linalg.slogdet", "inv": "linalg.inv", "solve": "linalg.solve",
    "cholesky": "linalg.cholesky", "qr": "linalg.qr", "eigh": "linalg.eigh", "eigvalsh": "linalg.eigvalsh", "norm": "linalg.norm",
    "svd": "linalg.svd", "svdvals": "linalg.svdvals", "pinv": "linalg.pinv", "lstsq": "linalg.lstsq",
    "matmul": "matmul", "matrix_power": "linalg.matrix_power", "multi_dot": "linalg.multi_dot",
    "vector_norm": "linalg.vector_norm", "matrix_norm": "linalg.matrix_norm", "trace": "linalg.trace",
    "outer": "linalg.outer", "vecdot": "linalg.vecdot",
}

FUNCTION_TO_OP = {f"numpy.{name}": op for name, op in _NUMPY_FUNCTIONS.items()}
FUNCTION_TO_OP.update({f"numpy.linalg.{name}": op for name, op in _LINALG_FUNCTIONS.items()})

METHOD_TO_OP = {
    "sum": "sum", "mean": "mean", "max": "max", "min": "min", "argmax": "argmax", "argmin": "argmin",
    "prod": "prod", "var": "var", "std": "std", "cumsum": "cumsum", "cumprod": "cumprod",
    "squeeze": "squeeze", "ravel": "ravel", "flatten": "flatten", "swapaxes": "swapaxes", "repeat": "repeat",
    "copy": "copy", "clip": "clip", "round": "round", "diagonal": "diagonal", "trace": "trace",
    "take": "take", "dot": "dot", "conj": "copy", "conjugate": "copy", "argsort": "argsort",
    "nonzero": "nonzero",
    "argpartition": "argpartition",
}
"""Array methods that are the op of the same meaning: ``x.max(axis=0)`` is ``dk.max(x, axis=0)``."""

FUNCTION_HINTS = {
    "heaviside": "use dk.heaviside(x), the step with value 1/2 at 0 (no second argument)",
}

MISSING_METHOD_HINTS = {
    "astype": "diffkit follows the dtype of the inputs: convert the arguments before calling the program",
    "tolist": "a differentiated value cannot leave diffkit as plain numbers: keep it as an array",
    "item": "a differentiated value cannot leave diffkit as a plain number: keep it as an array",
    "sort": "x.sort() sorts in place, which a differentiated value cannot: write x = np.sort(x) "
    "(or x = dk.sort(x)), a new sorted value",
    "partition": "x.partition(kth) partitions in place, which a differentiated value cannot: write "
    "x = np.partition(x, kth) (or x = dk.partition(x, kth)), a new value",
}


def known_numpy_names():
    """The NumPy functions and ufuncs diffkit understands, for messages."""
    names = set(UFUNC_TO_OP) | {name.removeprefix("numpy.") for name in FUNCTION_TO_OP}
    return sorted(names)
