"""Linear algebra (``dk.linalg``): det, slogdet, inv, solve, cholesky, qr, eigh and norm.

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
"""

from collections import namedtuple

import numpy as np

from .. import errors
from ..core.frames import user_location
from ..core.lazy import sympy
from ..core.primitive import Primitive
from ..core.values import plain_value
from .arrays import matmul, reshape, sum, transpose
from .elementwise import sign, where
from .reductions import norm
from .shapes import ndim_of, shape_error, shape_of
from .sympy_faces import as_object_array, elementwise, functions

_sympy_sqrt = elementwise("sqrt")

SlogdetResult = namedtuple("SlogdetResult", "sign logabsdet")
EighResult = namedtuple("EighResult", "eigenvalues eigenvectors")
QRResult = namedtuple("QRResult", "Q R")

__all__ = ["det", "slogdet", "inv", "solve", "cholesky", "qr", "eigh", "eigvalsh", "norm"]


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

