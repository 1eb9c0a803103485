"""Independent routes to GradBench's objectives, for the tests: plain Python on mpmath
numbers at 50 digits, written from the evals' definitions without any diffkit code.

``mp_gradient`` differentiates such a function by central differences at 50 digits
with a step of 1e-20: the truncation error (h^2 ~ 1e-40) and the rounding error
(1e-50 / h ~ 1e-30) are both far below float64's resolution.
"""

import mpmath

DIGITS = 50
STEP = mpmath.mpf("1e-20")


def mp(values):
    """Nested lists of floats as nested lists of mpmath numbers."""
    if isinstance(values, (list, tuple)):
        return [mp(v) for v in values]
    return mpmath.mpf(float(values))


def mp_gradient(function, point):
    """Central differences of ``function(list of mpf)`` at ``point`` (a flat list of floats)."""
    with mpmath.workdps(DIGITS):
        base = [mpmath.mpf(float(v)) for v in point]
        gradient = []
        for i in range(len(base)):
            up, down = list(base), list(base)
            up[i] += STEP
            down[i] -= STEP
            gradient.append((function(up) - function(down)) / (2 * STEP))
        return [float(g) for g in gradient]


def mp_value(function, point):
    with mpmath.workdps(DIGITS):
        return float(function([mpmath.mpf(float(v)) for v in point]))


# --- gmm: the naive definition (densities multiplied, then the logarithm) --------------------
def triangular(q_k, l_k, d):
    """Q with exp(q) on the diagonal and l below it, column by column."""
    Q = mpmath.zeros(d, d)
    entry = 0
    for column in range(d):
        Q[column, column] = mpmath.exp(q_k[column])
        for row in range(column + 1, d):
            Q[row, column] = l_k[entry]
            entry += 1
    return Q


def gmm_naive(alpha, mu, q, l, x, m, gamma, transposed=False):
    """log(likelihood * prior) from the Gaussian and Wishart densities, at 50 digits.

    ``transposed``: ADBench's mistake, precision Q Q^T instead of Q^T Q.
    """
    k, d, n = len(alpha), len(mu[0]), len(x)
    with mpmath.workdps(DIGITS):
        weights = [mpmath.exp(a) for a in alpha]
        total = sum(weights)
        phi = [w / total for w in weights]
        precisions = []
        for j in range(k):
            Q = triangular(q[j], l[j], d)
            precisions.append(Q * Q.T if transposed else Q.T * Q)
        likelihood = mpmath.mpf(1)
        for i in range(n):
            mixture = mpmath.mpf(0)
            for j in range(k):
                diff = mpmath.matrix([x[i][c] - mu[j][c] for c in range(d)])
                quadratic = (diff.T * precisions[j] * diff)[0]
                density = mpmath.exp(-quadratic / 2) / mpmath.sqrt((2 * mpmath.pi) ** d / mpmath.det(precisions[j]))
                mixture += phi[j] * density
            likelihood *= mixture
        dof = d + m + 1
        V = mpmath.eye(d) / gamma**2
        log_multigamma = d * (d - 1) / mpmath.mpf(4) * mpmath.log(mpmath.pi) + sum(
            mpmath.loggamma(mpmath.mpf(dof) / 2 + mpmath.mpf(1 - j) / 2) for j in range(1, d + 1))
        log_prior = mpmath.mpf(0)
        for j in range(k):
            P = precisions[j]
            trace = sum((mpmath.inverse(V) * P)[c, c] for c in range(d))
            log_prior += ((dof - d - 1) / mpmath.mpf(2) * mpmath.log(mpmath.det(P)) - trace / 2
                          - dof * d / mpmath.mpf(2) * mpmath.log(2) - dof / mpmath.mpf(2) * mpmath.log(mpmath.det(V))
                          - log_multigamma)
        return mpmath.log(likelihood) + log_prior


# --- lstm: ADBench's objective, one scalar at a time --------------------------------------------
def lstm_scalar(main, extra, state, sequence):
    """The C-style loop of ADBench's LSTM, on nested lists (mpmath or float entries)."""
    b = len(sequence[0])
    layers = len(state) // 2
    hidden = [list(state[2 * i]) for i in range(layers)]
    cell = [list(state[2 * i + 1]) for i in range(layers)]

    def sigmoid(v):
        return 1 / (1 + mpmath.exp(-v))

    total, count = 0, 0
    for t in range(len(sequence) - 1):
        signal = [sequence[t][j] * extra[0][j] for j in range(b)]
        for i in range(layers):
            w, bias = main[2 * i], main[2 * i + 1]
            for j in range(b):
                forget = sigmoid(signal[j] * w[j] + bias[j])
                ingate = sigmoid(hidden[i][j] * w[b + j] + bias[b + j])
                outgate = sigmoid(signal[j] * w[2 * b + j] + bias[2 * b + j])
                change = mpmath.tanh(hidden[i][j] * w[3 * b + j] + bias[3 * b + j])
                cell[i][j] = cell[i][j] * forget + ingate * change
                hidden[i][j] = outgate * mpmath.tanh(cell[i][j])
            signal = list(hidden[i])
        prediction = [signal[j] * extra[1][j] + extra[2][j] for j in range(b)]
        normaliser = mpmath.log(sum(mpmath.exp(v) for v in prediction) + 2)
        total += sum(sequence[t + 1][j] * (prediction[j] - normaliser) for j in range(b))
        count += b
    return -total / count


# --- ba: one observation, as ADBench's C++ writes it -------------------------------------------
def ba_observation(cam, X, w, feat):
    """(reprojection error x, y) of one observation, scalar by scalar."""
    rotation, centre = cam[0:3], cam[3:6]
    point = [X[i] - centre[i] for i in range(3)]
    squared = sum(r * r for r in rotation)
    if squared != 0:
        theta = mpmath.sqrt(squared)
        axis = [r / theta for r in rotation]
        cross = [axis[1] * point[2] - axis[2] * point[1], axis[2] * point[0] - axis[0] * point[2],
                 axis[0] * point[1] - axis[1] * point[0]]
        along = sum(a * p for a, p in zip(axis, point)) * (1 - mpmath.cos(theta))
        seen = [point[i] * mpmath.cos(theta) + cross[i] * mpmath.sin(theta) + axis[i] * along for i in range(3)]
    else:
        seen = [point[0] + rotation[1] * point[2] - rotation[2] * point[1],
                point[1] + rotation[2] * point[0] - rotation[0] * point[2],
                point[2] + rotation[0] * point[1] - rotation[1] * point[0]]
    image = [seen[0] / seen[2], seen[1] / seen[2]]
    radius = image[0] ** 2 + image[1] ** 2
    distortion = 1 + cam[9] * radius + cam[10] * radius**2
    return [w * (image[i] * distortion * cam[6] + cam[7 + i] - feat[i]) for i in range(2)]


# --- ode: the Runge-Kutta or Euler recurrence, scalar by scalar -----------------------------------
def ode_scalar(x, steps, scheme="rk4"):
    n = len(x)
    h = mpmath.mpf(2) / steps

    def rate(y):
        return [x[0]] + [x[i] * y[i - 1] for i in range(1, n)]

    y = [mpmath.mpf(0)] * n
    for _ in range(steps):
        k1 = rate(y)
        if scheme == "euler":
            y = [y[i] + h * k1[i] for i in range(n)]
            continue
        k2 = rate([y[i] + h / 2 * k1[i] for i in range(n)])
        k3 = rate([y[i] + h / 2 * k2[i] for i in range(n)])
        k4 = rate([y[i] + h * k3[i] for i in range(n)])
        y = [y[i] + h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) for i in range(n)]
    return y


def det_scalar(rows):
    """Leibniz's determinant by mpmath (an independent algorithm)."""
    return mpmath.det(mpmath.matrix(rows))


def lse_scalar(x):
    return mpmath.log(sum(mpmath.exp(v) for v in x))
