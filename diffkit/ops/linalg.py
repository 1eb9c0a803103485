"""Linear algebra (``dk.linalg``): det, slogdet, inv, solve, cholesky, qr, eigh, eigvalsh, norm, svd,
svdvals, pinv and lstsq; matrix_power and multi_dot (chains of matmuls, in NumPy's order); and
NumPy 2's array-API names vector_norm, matrix_norm, trace, outer and vecdot
(:mod:`diffkit.ops.linalg_array_api`).

NumPy's rules: each works on a matrix or a stack of them (``(..., M, M)``). The SymPy
faces go through ``sympy.Matrix`` (adjugates, Berkowitz determinants, a Cholesky
factor written out), so they are meant for small matrices. The derivative rules are
the standard identities collected by Giles, "An extended collection of matrix
derivative results for forward and reverse mode algorithmic differentiation" (2008),
written with diffkit ops so that they can be differentiated again.

``cholesky`` and ``eigh`` read only the lower triangle of their input, as NumPy's do;
their derivatives are with respect to the entries they read (an upper entry gets 0, a
lower one the sum of both symmetric contributions), which is what finite differences
of NumPy's functions measure. ``eigh``'s eigenvectors are NumPy's (signs chosen by
LAPACK, which stay put under small changes of the matrix, except where LAPACK itself
switches them: at a diagonal matrix they jump as an off-diagonal entry crosses 0, and the
rules give the derivative of the branch through the point); eigenvalues
must be distinct for the eigenvector derivative to exist.

``eigh`` under the symbolic methods, up to 2 x 2: the eigenvalues are centre ± radius, the
eigenvectors a rotation by half of atan2(2b, a - d), each column times the sign LAPACK
gives it (:class:`~diffkit.ops.sympy_functions.EigenvectorSign`: the compiled code calls
``np.linalg.eigh`` where it is evaluated, and that sign's derivative is 0). So the face
has NumPy's values at every point it is evaluated at, and its derivative is the tape's.
Larger matrices are refused by name (:class:`~diffkit.errors.UnsupportedError`): use the
tape or forward mode, whose rules hold at any size.

``qr`` is NumPy's reduced QR (``mode="reduced"``) of tall or square matrices of full rank, its
signs LAPACK's; its rules are Walter, Lehmann and Lamour's (2012), its SymPy face modified
Gram-Schmidt up to 2 columns, each column of Q (row of R) times the sign of LAPACK's R[k, k]
where it is evaluated (:class:`~diffkit.ops.sympy_functions.QRSign`).

``svd`` is NumPy's reduced SVD (U, S, Vh; k = min(M, N)) of a matrix or a stack, its signs LAPACK's;
``full_matrices=True`` (NumPy's default) is taken for square matrices, where it is the reduced SVD, and
refused for others (the columns past k are any orthonormal completion: pass ``full_matrices=False``, as
JAX and PyTorch ask); ``hermitian=True`` is refused (it reads only the lower triangle and takes other
signs). The rules are Townsend's (2016), F[i, j] = 1 / (s_j^2 - s_i^2). The singular vectors of a
repeated singular value have no derivative, nor has a zero one's where the factor has a free vector (U of
a tall matrix, Vh of a wide one): those columns of U (rows of Vh) get NaN or inf derivatives, under every
method (NumPy's warnings silenced), while the others keep theirs (a zero tangent or cotangent is kept 0
past the infinite F[i, j]). ``svdvals`` (S) keeps its rule U diag(g) Vh there: finite, and exact for
functions symmetric in the tied values (the nuclear norm, sum(S ** 2)).
``pinv`` is NumPy's (singular values at most rcond times the largest dropped, decided where its face
is evaluated); its rules are Golub and Pereyra's derivative at constant rank. ``lstsq`` is composed:
x = pinv(a) @ b, residuals, rank (a plain int, read from the values) and svdvals(a), as NumPy returns
them. Their SymPy faces take matrices of numbers only (mpmath at 70 digits, LAPACK's signs: for
check_primitive and the 50-digit references) and refuse expressions by name; the complex step goes
through the first-order factors of the real part, as for qr and eigh.
"""

import functools
import operator
from collections import namedtuple

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..core.lazy import sympy
from ..core.option_values import described
from ..core.primitive import Primitive
from ..core.values import plain_value
from .arrays import as_columns, as_rows, matmul, reshape, sum, transpose
from .elementwise import sign, where
from .linalg_array_api import matrix_norm, outer, trace, vecdot, vector_norm
from .products import dot
from .reductions import norm
from .shapes import as_operand, ndim_of, shape_error, shape_of
from .sympy_faces import as_object_array, elementwise, functions

_sympy_sqrt = elementwise("sqrt")

SlogdetResult = namedtuple("SlogdetResult", "sign logabsdet")
EighResult = namedtuple("EighResult", "eigenvalues eigenvectors")
QRResult = namedtuple("QRResult", "Q R")

__all__ = ["det", "slogdet", "inv", "solve", "cholesky", "qr", "eigh", "eigvalsh", "norm", "svd", "svdvals", "pinv",
           "lstsq", "matrix_power", "multi_dot", "vector_norm", "matrix_norm", "trace", "outer", "vecdot"]


# --- helpers -------------------------------------------------------------------------------
def _swap(x):
    """The transpose of each matrix of a stack."""
    n = ndim_of(x)
    return transpose(x, axes=tuple(range(n - 2)) + (n - 1, n - 2))


def _as_matrices(x):
    """Scalars per matrix as (..., 1, 1), to broadcast against the matrices."""
    return reshape(x, shape=shape_of(x) + (1, 1))


def _square(name, a):
    shape = shape_of(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise shape_error(f"linalg.{name}", f"needs square matrices (..., M, M); got shape {tuple(shape)}")
    return shape[-1]


def _per_matrix(function, *arrays):
    """Apply ``function`` (of ``sympy.Matrix`` arguments) to each matrix of a stack of object arrays."""
    arrays = [as_object_array(a) for a in arrays]
    batch = np.broadcast_shapes(*(a.shape[:-2] for a in arrays))
    arrays = [np.broadcast_to(a, batch + a.shape[-2:]) for a in arrays]
    results = {}
    for index in np.ndindex(*batch):
        results[index] = function(*[sympy.Matrix(a[index].tolist()) for a in arrays])
    first = results[next(iter(results))] if results else None
    inner = () if not isinstance(first, sympy.MatrixBase) else first.shape
    out = np.empty(batch + inner, dtype=object)
    for index, value in results.items():
        out[index] = np.array(value.tolist(), dtype=object) if inner else value
    return out


_LOWER = {}


def _masks(size):
    """(strictly lower, diagonal) boolean masks of a size x size matrix."""
    if size not in _LOWER:
        _LOWER[size] = (np.tril(np.ones((size, size), dtype=bool), -1), np.eye(size, dtype=bool))
    return _LOWER[size]


def _fold_to_lower(s, size):
    """A gradient with respect to a symmetric matrix, moved onto the lower triangle it is read from."""
    strict, diagonal = _masks(size)
    return where(strict, s + _swap(s), where(diagonal, s, 0.0))


def _symmetric_from_lower(t, size):
    """The symmetric matrix a function reading only the lower triangle sees: tril(t) + tril(t, -1)^T."""
    strict, diagonal = _masks(size)
    lower = where(strict, t, 0.0)
    return lower + _swap(lower) + where(diagonal, t, 0.0)


def _symmetric_numpy(a):
    size = a.shape[-1]
    strict, diagonal = _masks(size)
    lower = np.where(strict, a, 0.0)
    return lower + np.swapaxes(lower, -1, -2) + np.where(diagonal, a, 0.0)


# --- det and log|det| --------------------------------------------------------------------------
def _det_sympy(a):
    return as_object_array(_per_matrix(lambda m: m.det(method="berkowitz"), a))


def _det_vjp(g, out, a):
    return _as_matrices(g * out) * _swap(_inv(a))


def _det_jvp(t, out, a):
    return out * sum(_swap(_inv(a)) * t, axis=(-2, -1))


_det = Primitive("det", np.linalg.det, _det_sympy, (_det_vjp,), jvp=(_det_jvp,), doc="Determinant.",
                 public="dk.linalg.det")


def _logabsdet_numpy(a):
    if np.iscomplexobj(a):  # log|det| continued off the real line: log(det * sign(real det))
        d = np.linalg.det(a)
        return np.log(d * np.sign(np.real(d)))
    return np.linalg.slogdet(a)[1]


def _logabsdet_sympy(a):
    return as_object_array(_per_matrix(lambda m: sympy.log(sympy.Abs(m.det(method="berkowitz"))), a))


def _logabsdet_vjp(g, out, a):
    return _as_matrices(g) * _swap(_inv(a))


def _logabsdet_jvp(t, out, a):
    return sum(_swap(_inv(a)) * t, axis=(-2, -1))


_logabsdet = Primitive(
    "logabsdet", _logabsdet_numpy, _logabsdet_sympy, (_logabsdet_vjp,), jvp=(_logabsdet_jvp,),
    doc="log |det a|, the second result of slogdet.",
    public="dk.linalg.slogdet",
)


def det(a):
    """The determinant of each matrix; its gradient is det(a) inv(a)^T."""
    _square("det", a)
    return _det(a)


def slogdet(a):
    """(sign, log |det|) of each matrix; the sign is piecewise constant (no gradient)."""
    _square("slogdet", a)
    try:
        signs = np.linalg.slogdet(plain_value(a))[0]
    except errors.SymbolicControlFlowError:  # symbols: the sign as an expression
        signs = sign(_det(a))
    return SlogdetResult(signs, _logabsdet(a))


# --- inverse and solve -------------------------------------------------------------------------------
def _adjugate_inverse(m):
    return m.adjugate() / m.det(method="berkowitz")


def _inv_sympy(a):
    return _per_matrix(_adjugate_inverse, a)


def _inv_vjp(g, out, a):
    back = _swap(out)
    return -matmul(matmul(back, g), back)


def _inv_jvp(t, out, a):
    return -matmul(matmul(out, t), out)


_inv = Primitive("inv", np.linalg.inv, _inv_sympy, (_inv_vjp,), jvp=(_inv_jvp,), doc="Matrix inverse.",
                 public="dk.linalg.inv")


def inv(a):
    """The inverse of each matrix; d inv = -inv da inv."""
    _square("inv", a)
    return _inv(a)


def _solve_sympy(a, b):
    return _per_matrix(lambda m, rhs: _adjugate_inverse(m) * rhs, a, b)


def _solve_vjp_a(g, out, a, b):
    return -matmul(_solve(_swap(a), g), _swap(out))


def _solve_vjp_b(g, out, a, b):
    return _solve(_swap(a), g)


def _solve_jvp_a(t, out, a, b):
    return -_solve(a, matmul(t, out))


def _solve_jvp_b(t, out, a, b):
    return _solve(a, t)


_solve = Primitive(
    "solve",
    np.linalg.solve,
    _solve_sympy,
    (_solve_vjp_a, _solve_vjp_b),
    broadcasting=True,  # stacks broadcast; the tape sums cotangents back over them
    doc="x with a x = b, for right-hand sides (..., M, K).",
    jvp=(_solve_jvp_a, _solve_jvp_b), public="dk.linalg.solve",
)


def solve(a, b):
    """x with a @ x = b: b a vector (M,) or a stack of right-hand-side matrices (..., M, K), as in NumPy 2."""
    size = _square("solve", a)
    b_shape = shape_of(b)
    if len(b_shape) == 1:
        if b_shape[0] != size:
            raise shape_error("linalg.solve", f"b of length {b_shape[0]} for matrices of size {size}")
        solution = _solve(a, reshape(b, shape=(size, 1)))
        return reshape(solution, shape=shape_of(solution)[:-1])
    if len(b_shape) < 2 or b_shape[-2] != size:
        raise shape_error("linalg.solve", f"b of shape {tuple(b_shape)} for matrices of size {size}")
    return _solve(a, b)


# --- powers and chains of products ----------------------------------------------------------------------
def matrix_power(a, n):
    """``np.linalg.matrix_power``: each square matrix times itself ``n`` times (an integer; the identity
    for 0, powers of the inverse below 0), by NumPy's squarings, so the values are NumPy's."""
    a = as_operand(a)
    size = _square("matrix_power", a)
    try:
        n = operator.index(n)
    except TypeError:
        raise errors.InputError(
            f"dk.linalg.matrix_power got {described('n', n)} at {user_location() or 'an unknown line'}: "
            "the exponent is an integer"
        ) from None
    if n == 0:  # a constant: no derivative of a
        return np.broadcast_to(np.eye(size), shape_of(a)).copy()
    if n < 0:
        a, n = inv(a), -n
    if n <= 3:
        power = a
        for _ in range(n - 1):
            power = matmul(power, a)
        return power
    square = result = None
    while n > 0:  # the binary powers of a, multiplied in where n has a bit
        square = a if square is None else matmul(square, square)
        n, bit = divmod(n, 2)
        if bit:
            result = square if result is None else matmul(result, square)
    return result


def _chain_order(shapes):
    """NumPy's cheapest parenthesisation of a chain of matrices: split[i][j], where A_i..A_j splits."""
    count = len(shapes)
    sizes = [shape[0] for shape in shapes] + [shapes[-1][1]]
    cost = [[0.0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = np.inf
            for k in range(i, j):
                q = cost[i][k] + cost[k + 1][j] + sizes[i] * sizes[k + 1] * sizes[j + 1]
                if q < cost[i][j]:
                    cost[i][j], split[i][j] = q, k
    return split


def _chain(matrices, split, i, j):
    if i == j:
        return matrices[i]
    k = split[i][j]
    return matmul(_chain(matrices, split, i, k), _chain(matrices, split, k + 1, j))


def multi_dot(arrays):
    """``np.linalg.multi_dot``: the product of a chain of matrices (the first may be a row vector, the
    last a column vector), multiplied in the order NumPy finds cheapest."""
    arrays = [as_operand(a) for a in arrays]
    if len(arrays) < 2:
        raise shape_error("linalg.multi_dot", f"needs at least two arrays; got {len(arrays)}")
    if len(arrays) == 2 and not all(ndim_of(a) in (1, 2) for a in arrays):  # NumPy's np.dot, with its rules
        return dot(*arrays)
    first, last = ndim_of(arrays[0]), ndim_of(arrays[-1])
    matrices = list(arrays)
    if first == 1:
        matrices[0] = reshape(matrices[0], shape=(1,) + shape_of(matrices[0]))
    if last == 1:
        matrices[-1] = reshape(matrices[-1], shape=shape_of(matrices[-1]) + (1,))
    shapes = [tuple(shape_of(m)) for m in matrices]
    for k, shape in enumerate(shapes):
        if len(shape) != 2:
            ends = " (the first and last may be vectors)" if k in (0, len(shapes) - 1) else ""
            raise shape_error("linalg.multi_dot", f"array {k} has shape {tuple(shape_of(arrays[k]))}; "
                                                  f"multi_dot multiplies matrices{ends}")
    for k in range(len(shapes) - 1):
        if shapes[k][1] != shapes[k + 1][0]:
            raise shape_error("linalg.multi_dot", f"arrays {k} and {k + 1} have shapes {shapes[k]} and "
                                                  f"{shapes[k + 1]}, which do not chain: {shapes[k][1]} != "
                                                  f"{shapes[k + 1][0]}")
    if len(matrices) == 3:  # NumPy compares the two orders directly
        (a0, a1), (c0, c1) = shapes[0], shapes[2]
        ab_first = a0 * c0 * (a1 + c1) < a1 * c1 * (a0 + c0)
        a, b, c = matrices
        result = matmul(matmul(a, b), c) if ab_first else matmul(a, matmul(b, c))
    else:  # two matrices (np.dot's product, as matmul gives it), or four and more
        result = _chain(matrices, _chain_order(shapes), 0, len(matrices) - 1)
    if first == 1 and last == 1:
        return reshape(result, shape=())
    if first == 1 or last == 1:
        return reshape(result, shape=(-1,))
    return result


# --- Cholesky ---------------------------------------------------------------------------------------------
def _cholesky_rows(a, square_root, zero):
    """The lower Cholesky factor by the Cholesky-Banachiewicz recurrence, reading a's lower triangle."""
    size = a.shape[-1]
    factor = np.full(a.shape, zero, dtype=a.dtype)
    for i in range(size):
        for j in range(i + 1):
            partial = a[..., i, j] - np.sum(factor[..., i, :j] * factor[..., j, :j], axis=-1)
            factor[..., i, j] = square_root(partial) if i == j else partial / factor[..., j, j]
    return factor


def _cholesky_numpy(a):
    if np.iscomplexobj(a):  # NumPy's complex Cholesky is Hermitian's; the complex step needs L L^T
        return _cholesky_rows(a, np.sqrt, 0.0)
    return np.linalg.cholesky(a)


def _cholesky_sympy(a):
    return _cholesky_rows(as_object_array(a), _sympy_sqrt, sympy.S.Zero)


def _phi(x, size):
    """The lower triangle of x with its diagonal halved."""
    strict, diagonal = _masks(size)
    return where(strict, x, where(diagonal, 0.5 * x, 0.0))


def _cholesky_vjp(g, out, a):
    size = shape_of(a)[-1]
    inverse = _inv(out)
    inner = _phi(matmul(_swap(out), g), size)
    return _fold_to_lower(matmul(matmul(_swap(inverse), inner), inverse), size)


def _cholesky_jvp(t, out, a):
    size = shape_of(a)[-1]
    inverse = _inv(out)
    seen = _symmetric_from_lower(t, size)
    return matmul(out, _phi(matmul(matmul(inverse, seen), _swap(inverse)), size))


_cholesky = Primitive(
    "cholesky", _cholesky_numpy, _cholesky_sympy, (_cholesky_vjp,), jvp=(_cholesky_jvp,),
    doc="Lower Cholesky factor L (L L^T = a) of a positive definite matrix, read from its lower triangle.",
    public="dk.linalg.cholesky",
)


def cholesky(a):
    """The lower Cholesky factor of each positive definite matrix (its lower triangle is read)."""
    _square("cholesky", a)
    return _cholesky(a)


# --- QR ----------------------------------------------------------------------------------------------------
def _qr_numpy(a):
    if not np.iscomplexobj(a):
        return np.linalg.qr(a)
    # The complex step: the factors of the real part moved by the imaginary part to first order
    # (exact to rounding for its 1e-20); NumPy's complex QR is the unitary one, not the continuation.
    q, r = np.linalg.qr(np.real(a))
    dq, dr = _qr_tangents(q, r, np.imag(a))
    return q + 1j * dq, r + 1j * dr


def _qr_q_numpy(a):
    return _qr_numpy(a)[0]


def _qr_r_numpy(a):
    return _qr_numpy(a)[1]


def _gram_schmidt(m):
    """(Q, R) of a tall or square ``sympy.Matrix`` by modified Gram-Schmidt, each column of Q and
    row of R times the sign LAPACK gives ``R[k, k]`` where the expression is evaluated (so the
    factors are NumPy's: a full-rank QR is unique once those signs are fixed)."""
    rows, columns = m.shape
    signs = [functions.QRSign(k, rows, columns, *m) for k in range(columns)]
    q_columns, r = [], sympy.zeros(columns, columns)
    for j in range(columns):
        v = m[:, j]
        for i in range(j):
            r[i, j] = q_columns[i].dot(v)
            v = v - r[i, j] * q_columns[i]
        r[j, j] = _sympy_sqrt(v.dot(v))[()]
        q_columns.append(v / r[j, j])
    q = sympy.Matrix.hstack(*[signs[k] * q_columns[k] for k in range(columns)])
    return q, sympy.diag(*signs) * r


def _qr_sympy(a, factor):
    a = as_object_array(a)
    columns = a.shape[-1]
    if columns > 2 and not all(sympy.sympify(entry).is_number for entry in a.flat):  # numbers: any size
        raise errors.UnsupportedError(
            f"the SymPy face of qr is written out for matrices of up to 2 columns; got {columns} "
            f"({user_location() or 'an unknown line'}): from the third column on, Gram-Schmidt's nested square "
            "roots grow too large for SymPy (a 3 x 3 matrix takes over ten minutes). Use 'tape' or 'forward-mode' (exact "
            "rules at any size) or finite differences."
        )
    return _per_matrix(lambda m: _gram_schmidt(m)[factor], a)


def _qr_q_sympy(a):
    return _qr_sympy(a, 0)


def _qr_r_sympy(a):
    return _qr_sympy(a, 1)


def _qr_tangents(q, r, t):
    """(dQ, dR) of A = QR along ``t`` (A tall or square, of full rank): with C = Q^T t R^-1 and
    W = tril(C, -1) - tril(C, -1)^T, dQ = t R^-1 - Q (C - W) and dR = (C - W) R (Walter, Lehmann
    and Lamour 2012; JAX's rule). Written with diffkit ops: plain arrays in, plain arrays out."""
    strict, _ = _masks(shape_of(r)[-1])
    moved = matmul(t, _inv(r))
    c = matmul(_swap(q), moved)
    below = where(strict, c, 0.0)
    kept = c - (below - _swap(below))
    return moved - matmul(q, kept), matmul(kept, r)


def _symmetric_from_upper(x, size):
    """triu(x) + triu(x, 1)^T: the symmetric matrix with x's upper triangle."""
    return _symmetric_from_lower(_swap(x), size)


def _qr_vjp(q, r, g_q=None, g_r=None):
    """The cotangent of A from that of Q or of R (Walter, Lehmann and Lamour 2012):
    (g_Q + Q sym(triu(g_R R^T - Q^T g_Q))) R^-T, sym copying the upper triangle below."""
    size = shape_of(r)[-1]
    inner = matmul(g_r, _swap(r)) if g_q is None else -matmul(_swap(q), g_q)
    spread = matmul(q, _symmetric_from_upper(inner, size))
    return matmul(spread if g_q is None else g_q + spread, _swap(_inv(r)))


def _qr_q_vjp(g, out, a):
    return _qr_vjp(out, _qr_r(a), g_q=g)


def _qr_r_vjp(g, out, a):
    return _qr_vjp(_qr_q(a), out, g_r=g)


def _qr_q_jvp(t, out, a):
    return _qr_tangents(out, _qr_r(a), t)[0]


def _qr_r_jvp(t, out, a):
    return _qr_tangents(_qr_q(a), out, t)[1]


_qr_q = Primitive(
    "qr_q", _qr_q_numpy, _qr_q_sympy, (_qr_q_vjp,), jvp=(_qr_q_jvp,),
    doc="Q of the reduced QR factorisation (orthonormal columns, LAPACK's signs) of a tall or square matrix.",
    public="dk.linalg.qr",
)
_qr_r = Primitive(
    "qr_r", _qr_r_numpy, _qr_r_sympy, (_qr_r_vjp,), jvp=(_qr_r_jvp,),
    doc="R of the reduced QR factorisation (upper triangular, LAPACK's signs) of a tall or square matrix.",
    public="dk.linalg.qr",
)


def qr(a, mode="reduced"):
    """(Q, R) with a = Q R for each tall or square matrix of full rank: NumPy's reduced QR."""
    if mode != "reduced":
        raise errors.NonDiffkitFunctionError(
            f"dk.linalg.qr: mode={mode!r} ({user_location() or 'an unknown line'}); diffkit differentiates "
            "mode='reduced' (the default), whose Q and R determine every other mode's results"
        )
    shape = shape_of(a)
    if len(shape) < 2 or shape[-2] < shape[-1]:
        raise shape_error(
            "linalg.qr", f"differentiates tall or square matrices (..., M, N) with M >= N; got shape {tuple(shape)}"
        )
    return QRResult(_qr_q(a), _qr_r(a))


# --- symmetric eigenproblem -----------------------------------------------------------------------------
def _eigh_numpy(a):
    if not np.iscomplexobj(a):
        return np.linalg.eigh(a)
    # The complex step: eigen-pairs of the real part moved by the imaginary part to first
    # order (exact to rounding for its 1e-20). A complex eigensolver would not do: its
    # rounding, relative to the whole matrix, swamps a perturbation that small.
    values, vectors = np.linalg.eigh(np.real(a))
    moved = np.swapaxes(vectors, -1, -2) @ _symmetric_numpy(np.imag(a)) @ vectors
    size = values.shape[-1]
    _, diagonal = _masks(size)
    gaps = values[..., None, :] - values[..., :, None]
    coupling = np.where(diagonal, 0.0, moved / np.where(diagonal, 1.0, gaps))
    return values + 1j * np.diagonal(moved, axis1=-2, axis2=-1), vectors + 1j * (vectors @ coupling)


def _eigvalsh_numpy(a):
    return _eigh_numpy(a)[0]


def _eigh_vectors_numpy(a):
    return _eigh_numpy(a)[1]


def _symbolic_size(a, what):
    size = a.shape[-1]
    if size > 2:
        raise errors.UnsupportedError(
            f"the SymPy face of {what} is written out for matrices up to 2 x 2; got {size} x {size} "
            f"({user_location() or 'an unknown line'}): beyond 2 x 2 the eigenvalues are roots of a cubic "
            "or higher polynomial, too large to write out per entry, and the eigenvectors' signs are "
            "LAPACK's. Use 'tape' or 'forward-mode' (exact rules at any size) or finite differences."
        )
    return size


def _eigenvalues_2x2(m):
    """The eigenvalues (ascending) of [[a, b], [b, d]], read from its lower triangle."""
    a, b, d = m[0, 0], m[1, 0], m[1, 1]
    centre, radius = (a + d) / 2, sympy.sqrt(((a - d) / 2) ** 2 + b**2)
    return sympy.Matrix([[centre - radius, centre + radius]])


def _eigvalsh_sympy(a):
    a = as_object_array(a)
    size = _symbolic_size(a, "eigh's eigenvalues")
    if size == 1:
        return a[..., 0].copy()
    return _per_matrix(_eigenvalues_2x2, a)[..., 0, :]


def _eigenvectors_2x2(m):
    """NumPy's unit eigenvectors of [[a, b], [b, d]] (read from its lower triangle): the closed
    form, each column times the sign LAPACK gives it where the expression is evaluated."""
    a, b, d = m[0, 0], m[1, 0], m[1, 1]
    columns = functions.symmetric_2x2_eigenvectors(a, b, d, sympy.cos, sympy.sin, sympy.atan2)
    signs = [functions.EigenvectorSign(k, a, b, d) for k in (0, 1)]
    return sympy.Matrix(2, 2, lambda i, k: signs[k] * columns[k][i])


def _eigh_vectors_sympy(a):
    a = as_object_array(a)
    size = _symbolic_size(a, "eigh's eigenvectors")
    if size == 1:
        return np.full(a.shape, sympy.S.One, dtype=object)  # LAPACK's eigenvector of a 1 x 1 matrix: [[1]]
    return _per_matrix(_eigenvectors_2x2, a)


def _gaps(values):
    """F with F[i, j] = 1 / (w_j - w_i) off the diagonal and 0 on it."""
    size = shape_of(values)[-1]
    _, diagonal = _masks(size)
    rows = reshape(values, shape=shape_of(values)[:-1] + (1, size))
    columns = reshape(values, shape=shape_of(values) + (1,))
    return where(diagonal, 0.0, 1.0 / where(diagonal, 1.0, rows - columns))


def _eigvalsh_vjp(g, out, a):
    size = shape_of(a)[-1]
    vectors = _eigh_vectors(a)
    weighted = vectors * reshape(g, shape=shape_of(g)[:-1] + (1, size))
    return _fold_to_lower(matmul(weighted, _swap(vectors)), size)


def _eigvalsh_jvp(t, out, a):
    vectors = _eigh_vectors(a)
    seen = _symmetric_from_lower(t, shape_of(a)[-1])
    return sum(vectors * matmul(seen, vectors), axis=-2)


def _eigh_vectors_vjp(g, out, a):
    size = shape_of(a)[-1]
    inner = _gaps(_eigvalsh(a)) * matmul(_swap(out), g)
    return _fold_to_lower(matmul(matmul(out, inner), _swap(out)), size)


def _eigh_vectors_jvp(t, out, a):
    seen = _symmetric_from_lower(t, shape_of(a)[-1])
    return matmul(out, _gaps(_eigvalsh(a)) * matmul(matmul(_swap(out), seen), out))


_eigvalsh = Primitive(
    "eigvalsh", _eigvalsh_numpy, _eigvalsh_sympy, (_eigvalsh_vjp,), jvp=(_eigvalsh_jvp,),
    doc="Eigenvalues (ascending) of a symmetric matrix, read from its lower triangle.",
    public="dk.linalg.eigvalsh",
)
_eigh_vectors = Primitive(
    "eigh_vectors", _eigh_vectors_numpy, _eigh_vectors_sympy, (_eigh_vectors_vjp,), jvp=(_eigh_vectors_jvp,),
    doc="Unit eigenvectors (columns, NumPy's signs) of a symmetric matrix with distinct eigenvalues.",
    public="dk.linalg.eigh",
)


def eigvalsh(a):
    """Eigenvalues of each symmetric matrix, in ascending order (the lower triangle is read)."""
    _square("eigvalsh", a)
    return _eigvalsh(a)


def eigh(a):
    """(eigenvalues, eigenvectors) of each symmetric matrix: ascending values, unit column vectors."""
    _square("eigh", a)
    return EighResult(_eigvalsh(a), _eigh_vectors(a))


# --- singular value decomposition ------------------------------------------------------------------------
SVDResult = namedtuple("SVDResult", "U S Vh")

_SVD_DIGITS = 70  # the SymPy faces' working precision for matrices of numbers (50-digit references and more)
_EPS = float(np.finfo(np.float64).eps)


def _plain_values(s):
    """The singular values' numbers, or None for expressions (whose ties cannot be read)."""
    try:
        return np.asarray(plain_value(s), dtype=float)
    except errors.SymbolicControlFlowError:
        return None


def _tied(s):
    """Where s_i = s_j (i != j), from the values; None where there is no tie (or no numbers)."""
    values = _plain_values(s)
    if values is None or values.shape[-1] < 2 or not np.any(values[..., 1:] == values[..., :-1]):
        return None  # descending values: a tie is between neighbours
    _, diagonal = _masks(values.shape[-1])
    return (values[..., :, None] == values[..., None, :]) & ~diagonal


def _reached(g, axis):
    """Which singular vectors a cotangent reaches (a column of g for U, a row for Vh), or None."""
    values = _plain_values(g)
    return None if values is None else np.any(values != 0, axis=axis)


def _coupled(s, m, reached=None):
    """F o m with F[i, j] = 1 / (s_j^2 - s_i^2) off the diagonal, 0 on it. The vectors of a repeated
    singular value have no derivative: a tangent gets NaN in both columns of a tie; a cotangent
    (``reached``: which vectors it reaches) gets NaN where it reaches a tied vector, else 0 there, so
    that a program using only the other vectors keeps their exact derivative."""
    product = _gaps(s * s) * m
    tied = _tied(s)
    if tied is None:
        return product
    if reached is None:
        return where(tied, np.nan, product)
    return where(tied & reached[..., None, :], np.nan, where(tied, 0.0, product))


def _over_values(x, s, reached=None):
    """x S^-1 (each column j over s_j), for the vectors outside the others' span: at a zero singular
    value that vector is free, its column NaN (for a cotangent, where it is reached; else 0)."""
    quotient = x / as_rows(s)
    values = _plain_values(s)
    if values is None or np.all(values != 0):
        return quotient
    zero = values == 0
    if reached is None:
        return where(zero[..., None, :], np.nan, quotient)
    return where((zero & reached)[..., None, :], np.nan, where(zero[..., None, :], 0.0, quotient))


def _quiet(rule):
    """``rule`` with NumPy's divide and invalid warnings off: the infinities and NaNs of tied or zero
    singular values are the result (documented), not an accident to warn of."""

    @functools.wraps(rule)
    def quiet(*args, **params):
        with np.errstate(divide="ignore", invalid="ignore"):
            return rule(*args, **params)

    return quiet


def _moved_by(value, tangent):
    """value + i tangent with the real part value's to the bit, NaNs of the tangent included."""
    out = np.array(value, dtype=complex)
    out.imag = tangent
    return out


def _svdvals_tangent(u, vh, t):
    """dS = diag(U^T t V)."""
    return sum(u * matmul(t, _swap(vh)), axis=-2)


@_quiet
def _svd_u_tangent(u, s, vh, t):
    """dU = U (F o (dP S + S dP^T)) + (I - U U^T) t V S^-1, dP = U^T t V, F[i, j] = 1 / (s_j^2 - s_i^2)
    (Townsend 2016; JAX's rule); the second term only for a tall matrix, where U has fewer columns than rows."""
    moved = matmul(t, _swap(vh))
    dp = matmul(_swap(u), moved)
    du = matmul(u, _coupled(s, dp * as_rows(s) + as_columns(s) * _swap(dp)))
    if shape_of(u)[-2] > shape_of(u)[-1]:
        du = du + _over_values(moved - matmul(u, matmul(_swap(u), moved)), s)
    return du


@_quiet
def _svd_vh_tangent(u, s, vh, t):
    """dVh = dV^T, dV = V (F o (S dP + dP^T S)) + (I - V V^T) t^T U S^-1; the second term only for a
    wide matrix, where Vh has fewer rows than columns."""
    moved = matmul(_swap(t), u)
    dp_t = matmul(vh, moved)  # dP^T = V^T t^T U
    dv = matmul(_swap(vh), _coupled(s, as_columns(s) * _swap(dp_t) + dp_t * as_rows(s)))
    if shape_of(vh)[-1] > shape_of(vh)[-2]:
        dv = dv + _over_values(moved - matmul(_swap(vh), matmul(vh, moved)), s)
    return _swap(dv)


def _svd_u_numpy(a):
    """U of NumPy's reduced SVD. For the complex step (here and in the two faces below): the factor of
    the real part moved by the imaginary part to first order (NumPy's complex SVD is the unitary one,
    not the continuation)."""
    if not np.iscomplexobj(a):
        return np.linalg.svd(a, full_matrices=False)[0]
    u, s, vh = np.linalg.svd(np.real(a), full_matrices=False)
    return _moved_by(u, _svd_u_tangent(u, s, vh, np.imag(a)))


def _svdvals_numpy(a, with_vectors=False):
    """NumPy's singular values: those of svd(a, compute_uv=False) or, ``with_vectors``, of the SVD with
    U and Vh (LAPACK's two routines differ in the last bit)."""
    if not np.iscomplexobj(a):
        return np.linalg.svd(a, full_matrices=False)[1] if with_vectors else np.linalg.svd(a, compute_uv=False)
    u, s, vh = np.linalg.svd(np.real(a), full_matrices=False)
    return s + 1j * _svdvals_tangent(u, vh, np.imag(a))


def _svd_vh_numpy(a):
    if not np.iscomplexobj(a):
        return np.linalg.svd(a, full_matrices=False)[2]
    u, s, vh = np.linalg.svd(np.real(a), full_matrices=False)
    return _moved_by(vh, _svd_vh_tangent(u, s, vh, np.imag(a)))


def _svd_numbers(a, what):
    """(U, S, Vh) of each matrix of numbers, by mpmath at 70 digits, each pair of singular vectors
    with the sign LAPACK gives it (its column of U points the way LAPACK's does). Matrices of
    expressions are refused: the singular values are square roots of the roots of the characteristic
    polynomial of A^T A, too large to write out beyond the smallest sizes, and the signs are LAPACK's."""
    import mpmath

    a = as_object_array(a)
    rows, columns = a.shape[-2:]
    if not all(sympy.sympify(entry).is_number for entry in a.flat):
        raise errors.UnsupportedError(
            f"the SymPy face of {what} is not written out for matrices of expressions; got a {rows} x {columns} "
            f"matrix ({user_location() or 'an unknown line'}): the singular values are square roots of the roots "
            "of the characteristic polynomial of A^T A, too large to write out per entry, and the singular "
            "vectors' signs are LAPACK's. Use 'tape' or 'forward-mode' (exact rules at any size) or finite "
            "differences."
        )
    size = min(rows, columns)
    batch = a.shape[:-2]
    u_out = np.empty(batch + (rows, size), dtype=object)
    s_out = np.empty(batch + (size,), dtype=object)
    vh_out = np.empty(batch + (size, columns), dtype=object)
    with mpmath.workdps(_SVD_DIGITS):
        for index in np.ndindex(*batch):
            numbers = [[mpmath.mpmathify(sympy.N(entry, _SVD_DIGITS)) for entry in row] for row in a[index].tolist()]
            lapack_u = np.linalg.svd(np.array(numbers, dtype=float), full_matrices=False)[0]
            u, s, vh = mpmath.svd_r(mpmath.matrix(numbers), full_matrices=False, compute_uv=True)
            for k, j in enumerate(sorted(range(size), key=lambda j: -s[j])):
                sign = 1 if mpmath.fsum(u[i, j] * lapack_u[i, k] for i in range(rows)) >= 0 else -1
                s_out[index + (k,)] = sympy.Float(s[j], _SVD_DIGITS)
                for i in range(rows):
                    u_out[index + (i, k)] = sympy.Float(sign * u[i, j], _SVD_DIGITS)
                for i in range(columns):
                    vh_out[index + (k, i)] = sympy.Float(sign * vh[j, i], _SVD_DIGITS)
    return u_out, s_out, vh_out


def _svd_u_sympy(a):
    return _svd_numbers(a, "dk.linalg.svd")[0]


def _svdvals_sympy(a, with_vectors=False):
    return _svd_numbers(a, "dk.linalg.svdvals")[1]


def _svd_vh_sympy(a):
    return _svd_numbers(a, "dk.linalg.svd")[2]


def _svdvals_vjp(g, out, a, with_vectors=False):
    return matmul(_svd_u(a) * as_rows(g), _svd_vh(a))


def _svdvals_jvp(t, out, a, with_vectors=False):
    return _svdvals_tangent(_svd_u(a), _svd_vh(a), t)


@_quiet
def _svd_u_vjp(g, out, a):
    """U ((J + J^T) S) V^T + (I - U U^T) g S^-1 V^T, J = F o (U^T g) (the second term for a tall matrix)."""
    s = _svdvals(a)
    coupled = _coupled(s, matmul(_swap(out), g), _reached(g, -2))
    left = matmul(out, (coupled + _swap(coupled)) * as_rows(s))
    if shape_of(out)[-2] > shape_of(out)[-1]:
        left = left + _over_values(g - matmul(out, matmul(_swap(out), g)), s, _reached(g, -2))
    return matmul(left, _svd_vh(a))


@_quiet
def _svd_vh_vjp(g, out, a):
    """U (S (K + K^T)) Vh + U S^-1 g (I - V Vh), K = F o (Vh g^T) (the second term for a wide matrix)."""
    s = _svdvals(a)
    coupled = _coupled(s, matmul(out, _swap(g)), _reached(g, -1))
    right = matmul(as_columns(s) * (coupled + _swap(coupled)), out)
    if shape_of(out)[-1] > shape_of(out)[-2]:
        right = right + _swap(_over_values(_swap(g - matmul(matmul(g, _swap(out)), out)), s, _reached(g, -1)))
    return matmul(_svd_u(a), right)


def _svd_u_jvp(t, out, a):
    return _svd_u_tangent(out, _svdvals(a), _svd_vh(a), t)


def _svd_vh_jvp(t, out, a):
    return _svd_vh_tangent(_svd_u(a), _svdvals(a), out, t)


_svdvals = Primitive(
    "svdvals", _svdvals_numpy, _svdvals_sympy, (_svdvals_vjp,), jvp=(_svdvals_jvp,),
    doc="Singular values (descending) of a matrix; their rules hold at repeated values too.",
    public="dk.linalg.svdvals",
)
_svd_u = Primitive(
    "svd_u", _svd_u_numpy, _svd_u_sympy, (_svd_u_vjp,), jvp=(_svd_u_jvp,),
    doc="U of the reduced SVD (left singular vectors, LAPACK's signs) of a matrix with distinct, nonzero singular values.",
    public="dk.linalg.svd",
)
_svd_vh = Primitive(
    "svd_vh", _svd_vh_numpy, _svd_vh_sympy, (_svd_vh_vjp,), jvp=(_svd_vh_jvp,),
    doc="Vh of the reduced SVD (right singular vectors as rows, LAPACK's signs) of a matrix with distinct, "
        "nonzero singular values.",
    public="dk.linalg.svd",
)


def _matrices(name, a):
    shape = shape_of(a)
    if len(shape) < 2:
        raise shape_error(f"linalg.{name}", f"needs matrices (..., M, N); got shape {tuple(shape)}")
    return shape[-2:]


def _refuse_hermitian(name, hermitian):
    if hermitian:
        raise errors.NonDiffkitFunctionError(
            f"dk.linalg.{name}: hermitian=True ({user_location() or 'an unknown line'}); diffkit differentiates "
            "hermitian=False (the default), which gives a symmetric matrix's results too (NumPy's hermitian=True "
            "reads only its lower triangle and takes other signs); for the eigenvectors of a symmetric matrix "
            "use dk.linalg.eigh"
        )


def svdvals(x):
    """The singular values of each matrix, in descending order (NumPy 2's ``np.linalg.svdvals``)."""
    _matrices("svdvals", x)
    return _svdvals(x)


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """(U, S, Vh) with a = (U * S) @ Vh for each matrix: NumPy's reduced SVD, LAPACK's signs.

    ``full_matrices=True`` (NumPy's default) is taken for square matrices, where it is the reduced
    SVD; for others, the columns of U (or rows of Vh) past min(M, N) are any orthonormal completion,
    with no derivative to follow: pass full_matrices=False. ``compute_uv=False`` gives S alone."""
    rows, columns = _matrices("svd", a)
    _refuse_hermitian("svd", hermitian)
    if not compute_uv:
        return _svdvals(a)
    if full_matrices and rows != columns:
        raise errors.NonDiffkitFunctionError(
            f"dk.linalg.svd: full_matrices=True on {rows} x {columns} matrices ({user_location() or 'an unknown line'}); "
            f"the {max(rows, columns) - min(rows, columns)} extra singular vectors it adds are any orthonormal "
            "completion, with no derivative to follow. Pass full_matrices=False (the reduced SVD, whose "
            "factors diffkit differentiates), as JAX and PyTorch ask."
        )
    return SVDResult(_svd_u(a), _svdvals(a, with_vectors=True), _svd_vh(a))


# --- pseudo-inverse and least squares --------------------------------------------------------------------
_UNSET = object()


def _pinv_numpy(a, rcond=1e-15):
    """NumPy's pinv (singular values at most rcond times the largest dropped). For the complex step: the
    pseudo-inverse of the real part moved by the imaginary part to first order, at constant rank."""
    if not np.iscomplexobj(a):
        return np.linalg.pinv(a, rcond=rcond)
    p = np.linalg.pinv(np.real(a), rcond=rcond)
    return p + 1j * _pinv_tangent(p, np.real(a), np.imag(a))


def _pinv_tangent(p, a, t):
    """dP = -P t P + P P^T t^T (I - A P) + (I - P A) t^T P^T P (Golub and Pereyra 1973): the derivative
    of the pseudo-inverse along directions that keep the rank."""
    spread = matmul(p, matmul(_swap(p), _swap(t)))
    kept = matmul(matmul(_swap(t), _swap(p)), p)
    return -matmul(matmul(p, t), p) + spread - matmul(matmul(spread, a), p) + kept - matmul(p, matmul(a, kept))


def _pinv_sympy(a, rcond=1e-15):
    u, s, vh = _svd_numbers(a, "dk.linalg.pinv")
    largest = np.max(s, axis=-1, keepdims=True) if s.shape[-1] else s
    inverse = np.where(s > np.asarray(rcond)[..., None] * largest, 1 / np.where(s == 0, 1, s), sympy.S.Zero)
    return np.swapaxes(vh, -1, -2) @ (inverse[..., :, None] * np.swapaxes(u, -1, -2))


def _pinv_vjp(g, out, a, rcond=1e-15):
    """-P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A)."""
    back = _swap(out)
    spread = matmul(_swap(g), matmul(out, back))
    kept = matmul(matmul(back, out), _swap(g))
    return -matmul(matmul(back, g), back) + spread - matmul(a, matmul(out, spread)) + kept - matmul(matmul(kept, out), a)


def _pinv_jvp(t, out, a, rcond=1e-15):
    return _pinv_tangent(out, a, t)


_pinv = Primitive(
    "pinv", _pinv_numpy, _pinv_sympy, (_pinv_vjp,), jvp=(_pinv_jvp,),
    doc="Moore-Penrose pseudo-inverse (NumPy's cutoff); its rules are the derivative at constant rank.",
    public="dk.linalg.pinv",
)


def pinv(a, rcond=None, hermitian=False, *, rtol=_UNSET):
    """The pseudo-inverse of each matrix, as NumPy's: singular values at most ``rcond`` (by default 1e-15;
    ``rtol=None``: max(M, N) eps) times the largest are dropped. Which are dropped is read from the values
    where the face is evaluated, so the derivative is that of the pseudo-inverse at constant rank: exact
    where the dropped values are 0 (a matrix of full rank, or of exactly that rank); where they are small
    but not 0, the rules are that formula at a, not the derivative of the truncated pseudo-inverse."""
    rows, columns = _matrices("pinv", a)
    _refuse_hermitian("pinv", hermitian)
    if rcond is None:
        rcond = 1e-15 if rtol is _UNSET else max(rows, columns) * _EPS if rtol is None else rtol
    elif rtol is not _UNSET:
        raise errors.InputError(
            f"dk.linalg.pinv got both rcond and rtol ({user_location() or 'an unknown line'}): give one, as NumPy asks"
        )
    rcond = np.asarray(rcond, dtype=float)
    return _pinv(a, rcond=float(rcond) if rcond.ndim == 0 else rcond)


def lstsq(a, b, rcond=None):
    """(x, residuals, rank, s) as NumPy's: x minimising |a x - b| (pinv(a) @ b, differentiated at constant
    rank), the squared residual norms per column of b (an empty array when rank < N or M <= N), the rank
    (a plain int: the singular values above rcond times the largest, by default max(M, N) eps) and the
    singular values of a."""
    shape, b_shape = shape_of(a), shape_of(b)
    if len(shape) != 2 or len(b_shape) not in (1, 2) or b_shape[0] != shape[0]:
        raise shape_error("linalg.lstsq", f"needs a matrix (M, N) and b of shape (M,) or (M, K); got shapes "
                                          f"{tuple(shape)} and {tuple(b_shape)}")
    rows, columns = shape
    if rcond is None:
        rcond = _EPS * max(rows, columns)
    elif rcond < 0:  # LAPACK's gelsd: machine precision
        rcond = _EPS
    values = _svdvals(a)
    x = matmul(_pinv(a, rcond=float(rcond)), b)
    rank = int(plain_value(sum(values > rcond * values[0]))) if min(rows, columns) else 0  # compile_grad checks it
    if rank == columns and rows > columns:
        residual = b - matmul(a, x)
        residuals = sum(residual * residual, axis=0)
        if len(b_shape) == 1:
            residuals = reshape(residuals, shape=(1,))
    else:
        residuals = np.array([], dtype=float)
    return x, residuals, rank, values
