"""GradBench's ``det`` (cmpad's ``det_by_minor``): the determinant by expansion in minors.

det(M) = sum_j (-1)^j M[0, j] det(M without row 0 and column j), recursively down to
1 x 1 minors: about e * l! multiplications, a recursion that symbolic methods unroll
into one expression. The gradient is the cofactor matrix, det(A) A^-T. The eval draws
the l x l entries from U[0, 1).
"""

import numpy as np

from ..program import Program, check_count, check_seed
from ..registry import register_program

GRADBENCH_SEED = 31337


def _minor_determinant(entries, rows, columns):
    """The determinant of the minor of ``entries`` on ``rows`` x ``columns`` (index lists)."""
    if len(rows) == 1:
        return entries[rows[0]][columns[0]]
    total = 0.0
    sign = 1.0
    for position, column in enumerate(columns):
        rest = columns[:position] + columns[position + 1:]
        term = entries[rows[0]][column] * _minor_determinant(entries, rows[1:], rest)
        total = total + term if sign > 0 else total - term
        sign = -sign
    return total


def det_by_minors(A):
    """det(A) of a square matrix, expanded along the first row of every minor."""
    size = A.shape[0]
    entries = [[A[i, j] for j in range(size)] for i in range(size)]
    return _minor_determinant(entries, list(range(size)), list(range(size)))


def cofactors(A):
    """The closed-form gradient of det: det(A) * inverse(A) transposed."""
    A = np.asarray(A, dtype=float)
    return np.linalg.det(A) * np.linalg.inv(A).T


def generate_det(ell, seed=GRADBENCH_SEED):
    """The eval's input: ``{"A": l*l uniform draws on [0, 1), row-major, "ell": l}``."""
    ell = check_count(ell, "ell", 1)
    rng = np.random.default_rng(check_seed(seed))
    return {"A": rng.random(ell * ell), "ell": ell}


@register_program("det", family="benchmark")
def build_det(ell=3, seed=GRADBENCH_SEED):
    data = generate_det(ell, seed)
    A = data["A"].reshape(ell, ell)
    return Program(
        name="det",
        function=det_by_minors,
        args=(A,),
        description=f"GradBench det: the determinant of a {ell}x{ell} matrix by expansion in minors",
        depth=ell,
        control_flow="fixed-loop",
        exact_grad=cofactors,
    )
