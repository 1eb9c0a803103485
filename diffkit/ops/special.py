"""``dk.special``: the functions of ``scipy.special`` that SymPy has too, as diffkit ops."""

from .elementwise import sigmoid as expit
from .softmax import log_softmax, logsumexp, softmax
from .unary import erf, softplus


def erfc(x):
    """1 - erf(x)."""
    return 1.0 - erf(x)


__all__ = ["erf", "erfc", "expit", "log_softmax", "logsumexp", "softmax", "softplus"]
