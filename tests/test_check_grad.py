"""dk.check_grad on the CS 231N two-layer network with BCE and on planted bugs.

The hand-written gradients below are derived in this file, step by step as in the
CS 231N notes (BCE node, sigmoid node, linear layer, ReLU node, linear layer); each
planted bug is one classic mistake, and each test asserts the verdict and the entry
the report names.
"""

import warnings

import numpy as np
import pytest

import diffkit as dk
from diffkit.check import CORRECT, KINK, RANDOM_PASS, WRONG


def bce_network(w1, w2, b, X, y):
    """Mean binary cross-entropy of sigmoid(relu(X w1) w2 + b) (CS 231N)."""
    h = dk.relu(X @ w1)
    p = dk.sigmoid(h @ w2 + b)
    return -dk.mean(y * dk.log(p) + (1 - y) * dk.log(1 - p))


def bce_network_grads(w1, w2, b, X, y, bug=None):
    """The backward pass of the notes, node by node; ``bug`` plants one mistake."""
    N = X.shape[0]
    a = X @ w1
    h = np.maximum(0, a)
    z = h @ w2 + b
    p = 1 / (1 + np.exp(-z))
    dp = (-y / p + (1 - y) / (1 - p)) / N  # BCE node
    sigmoid_local = p * (1 + p) if bug == "sigmoid" else p * (1 - p)
    dz = dp * sigmoid_local  # sigmoid node
    dw2 = h.T @ dz  # linear layer
    db = dz if bug == "bias" else dz.sum(axis=0)
    dh = dz @ w2.T
    da = dh if bug == "relu-mask" else dh * (a > 0)  # ReLU node
    dw1 = X.T @ da
    if bug == "transpose":
        dw1 = dw1.T
    if bug == "one-entry":
        dw1 = dw1.copy()
        dw1[1, 2] += 1e-4
    return dw1, dw2, db


def network_point(seed=3, N=6):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, 2))
    y = rng.integers(0, 2, (N, 1)).astype(float)
    w1 = rng.standard_normal((2, 3))
    w2 = rng.standard_normal((3, 1))
    b = np.array([0.1])
    return w1, w2, b, X, y


def grads_with(bug):
    def grads(*args):
        return bce_network_grads(*args, bug=bug)

    grads.__name__ = f"grads_{bug}"
    return grads


@pytest.fixture
def point():
    w1, w2, b, X, y = network_point()
    assert np.min(np.abs(X @ w1)) > 1e-3  # no pre-activation within a step of a kink
    assert (X @ w1 < 0).any() and (X @ w1 > 0).any()  # the ReLU mask matters
    return w1, w2, b, X, y


def check(point, bug, **options):
    return dk.check_grad(bce_network, grads_with(bug), *point, argnums=(0, 1, 2), **options)


def test_correct_cs231n_gradient_passes(point):
    report = check(point, None)
    assert bool(report) and report.verdict == CORRECT
    assert [a.name for a in report.arguments] == ["w1", "w2", "b"]
    assert all(a.verdict == CORRECT and a.max_rel_error < 1e-7 for a in report.arguments)
    assert report.methods == ["tape", "fd-central"]
    assert report.entry("w1[0,2]").references["fd-central"] == pytest.approx(
        report.entry("w1[0,2]").yours, abs=1e-9
    )


def test_missing_relu_mask_names_the_masked_entries(point):
    w1, w2, b, X, y = point
    report = check(point, "relu-mask")
    assert not report and report.verdict == WRONG
    assert report.argument("w1").verdict == WRONG
    assert report.argument("w2").verdict == CORRECT and report.argument("b").verdict == CORRECT
    right, _, _ = bce_network_grads(*point)
    buggy, _, _ = bce_network_grads(*point, bug="relu-mask")
    differs = np.abs(buggy - right) > 1e-5 * np.maximum(np.abs(buggy), np.abs(right))
    expected = [f"w1[{i},{j}]" for i, j in np.ndindex(2, 3) if differs[i, j]]
    assert expected and report.wrong_entries == expected


def test_transposed_weight_gradient_is_a_shape_finding(point):
    report = check(point, "transpose")
    assert not report
    assert "grad for w1 has shape (3, 2); w1 has shape (2, 3): transposed?" in report.argument("w1").findings
    assert any("transpose of your gradient for w1 matches" in f for f in report.argument("w1").findings)
    assert report.argument("w2").verdict == CORRECT


def test_bias_gradient_not_summed_over_the_batch(point):
    report = check(point, "bias")
    assert not report and report.argument("b").verdict == WRONG
    findings = report.argument("b").findings
    assert findings[0].startswith("grad for b has shape (6, 1); b has shape (1,): b was broadcast")
    assert "not summed over the batch? (sum over axis 0)" in findings[0]
    assert any("summed over the broadcast (batch) axes, your gradient for b matches" in f for f in findings)
    assert report.argument("w1").verdict == CORRECT


def test_sigmoid_derivative_s_times_one_plus_s(point):
    report = check(point, "sigmoid")
    assert not report
    assert {a.name: a.verdict for a in report.arguments} == {"w1": WRONG, "w2": WRONG, "b": WRONG}
    entry = report.entry("b[0]")
    right = bce_network_grads(*point)[2][0]
    buggy = bce_network_grads(*point, bug="sigmoid")[2][0]
    assert entry.verdict == WRONG and entry.yours == pytest.approx(buggy)
    assert entry.rel_error == pytest.approx(abs(buggy - right) / max(abs(buggy), abs(right)))
    assert "b[0]" in report.wrong_entries


def test_gradient_off_in_one_entry_only(point):
    report = check(point, "one-entry")
    assert not report
    assert report.wrong_entries == ["w1[1,2]"]
    worst = report.argument("w1").worst(1)[0]
    assert worst.name == "w1[1,2]" and worst.abs_error == pytest.approx(1e-4, rel=1e-6)
    assert "w1[1,2]" in report.text() and "w1[1,2]" in report._repr_html_()


def squared_loss(w, X, t):
    r = X @ w - t
    return dk.sum(r * r)


def test_missing_factor_of_two_in_a_squared_loss():
    X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    t = np.array([1.0, 0.0, 2.0])
    w = np.array([0.3, -0.7])

    def grad_without_two(w, X, t):
        return X.T @ (X @ w - t)  # d/dw sum r^2 = 2 X^T r: the 2 is missing

    report = dk.check_grad(squared_loss, grad_without_two, w, X, t)
    assert not report and report.wrong_entries == ["w[0]", "w[1]"]
    assert report.entry("w[0]").rel_error == pytest.approx(0.5)
    assert any("0.5 times diffkit's" in note for note in report.argument("w").notes)
    assert dk.check_grad(squared_loss, lambda w, X, t: 2 * X.T @ (X @ w - t), w, X, t)


def test_correct_gradient_near_a_relu_kink_is_not_wrong(point):
    w1, w2, b, X, y = point
    X = X.copy()
    X[0] = [1.0, 1.0]
    w1 = w1.copy()
    w1[1, 0] = -w1[0, 0] + 1e-9  # pre-activation a[0,0] = 1e-9, inside the step
    report = dk.check_grad(bce_network, grads_with(None), w1, w2, b, X, y, argnums=(0, 1, 2))
    assert report and report.verdict == CORRECT
    assert any("kink" in note for note in report.argument("w1").notes)  # fd straddles it; tape does not


def test_gradient_exactly_at_a_relu_kink_is_a_non_differentiable_point(point):
    w1, w2, b, X, y = point
    X = X.copy()
    X[0] = [1.0, 1.0]
    w1 = w1.copy()
    w1[:, 0] = [0.5, -0.5]  # a[0,0] = 0 exactly: the user's mask takes relu'(0) = 0
    report = dk.check_grad(bce_network, grads_with(None), w1, w2, b, X, y, argnums=(0, 1, 2))
    assert report
    entry = report.entry("w1[0,0]")
    assert entry.verdict == KINK
    left, right = entry.one_sided
    assert min(left, right) - 1e-9 <= entry.yours <= max(left, right) + 1e-9
    assert entry.references["tape"] == pytest.approx((left + right) / 2, rel=1e-5)  # the mean convention
    assert "non-differentiable point" in report.text()


def test_wrong_value_at_a_kink_is_still_wrong():
    def f(x):
        return dk.sum(dk.relu(x) * np.array([2.0, 3.0]))

    report = dk.check_grad(f, lambda x: np.array([5.0, 3.0]), np.array([0.0, 1.0]))
    assert not report and report.wrong_entries == ["x[0]"]
    assert report.entry("x[0]").one_sided == pytest.approx((0.0, 2.0), abs=1e-6)
    assert any("lies outside the one-sided derivatives" in n for n in report.argument("x").notes)


def test_random_mode_pass_is_reported_as_evidence_not_proof(point):
    full = check(point, None)
    report = check(point, None, mode="random", seed=7)
    assert report and report.verdict == RANDOM_PASS
    assert "not proof" in report.headline()
    assert len(report.directional) == 3 + 3 + 1 and report.entries() == []  # b is one number: one direction
    assert "seed 7" in report.text()
    assert "finite-difference evaluations: 15" in report.text()  # 1 + 2 per direction, not 2 per entry
    assert full.verdict == CORRECT


def test_random_mode_failure_is_followed_by_a_full_check(point):
    report = check(point, "one-entry", mode="random")
    assert not report
    assert any(d.argument == "w1" and d.verdict == WRONG for d in report.directional)
    assert all(d.verdict == CORRECT for d in report.directional if d.argument != "w1")
    assert report.wrong_entries == ["w1[1,2]"]
    assert any("a full check of every entry followed" in n for n in report.notes)


def test_float32_scales_steps_and_bands_and_warns(point):
    point32 = [v.astype(np.float32) for v in point]
    report = check(point32, None)
    assert report and report.verdict == CORRECT
    text = report.text()
    assert "float32: eps**(1/3) = 4.92e-03" in text
    factor = 2.0 ** (29 / 3)  # (eps32 / eps64) ** (1/3), eps32 = 2**-23, eps64 = 2**-52
    assert f"relative error < {1e-7 * factor:.1e} correct, <= {1e-5 * factor:.1e} suspicious" in text
    assert "a float32 check is weak" in report.warnings[0]
    assert not check(point32, "sigmoid")


def test_verdict_bands_of_the_cs231n_notes(point):
    right = bce_network_grads(*point)

    def scaled(factor):
        def grads(*args):
            dw1, dw2, db = right
            dw1 = dw1.copy()
            dw1[0, 1] *= factor
            return dw1, dw2, db

        return grads

    def verdict_of(factor):
        report = dk.check_grad(bce_network, scaled(factor), *point, argnums=(0, 1, 2))
        return bool(report), report.verdict, report.entry("w1[0,1]").verdict

    assert verdict_of(1 + 1e-9) == (True, CORRECT, CORRECT)  # relative error 1e-9 < 1e-7
    assert verdict_of(1 + 1e-6) == (True, "suspicious", "suspicious")  # 1e-7 <= 1e-6 <= 1e-5
    assert verdict_of(1 + 1e-4) == (False, WRONG, WRONG)  # above 1e-5


def test_pass_rule_and_settings_are_printed(point):
    text = check(point, None).text()
    assert "pass rule: an entry is wrong when its relative error against tape is above the wrong band" in text
    assert "float64: relative error < 1.0e-07 correct, <= 1.0e-05 suspicious, above wrong" in text
    assert "central step h = eps**(1/3) * max(|x|, 1)" in text
    assert "steps used: 6.06e-06 .. " in text


def test_html_table_for_jupyter(point):
    page = check(point, "one-entry")._repr_html_()
    assert page.startswith('<div class="diffkit-check">') and "<table>" in page
    assert "gradient check of bce_network: WRONG" in page and "pass rule" in page


def test_rtol_and_atol_loosen_the_bands(point):
    report = check(point, "one-entry", rtol=1e-2)
    assert report and report.entry("w1[1,2]").verdict in (CORRECT, "suspicious")
    assert check(point, "one-entry", atol=1e-3)


def test_lecture_sigmoid_neuron_printed_gradients():
    """Seed 002 prints dx0 = 0.394, dw1 = -0.394, dx1 = -0.591: products of the rounded
    0.197, so they are off by more than rounding to three decimals (0.393, -0.393, -0.590);
    the five-digit values of the seeds README are right."""

    def neuron(w0, x0, w1, x1, w2):
        return dk.sigmoid(w0 * x0 + w1 * x1 + w2)

    point = (2.0, -1.0, -3.0, -2.0, -3.0)
    printed = (-0.197, 0.394, -0.394, -0.591, 0.197)  # dw0, dx0, dw1, dx1, dw2
    report = dk.check_grad(neuron, printed, *point, argnums=(0, 1, 2, 3, 4), atol=5e-4)
    assert not report and report.wrong_entries == ["x0", "w1", "x1"]
    assert report.entry("x1").references["tape"] == pytest.approx(-0.58984, abs=1e-5)
    five_digits = (-0.19661, 0.39322, -0.39322, -0.58984, 0.19661)
    assert dk.check_grad(neuron, five_digits, *point, argnums=(0, 1, 2, 3, 4), atol=5e-6)


def test_dict_of_parameters_and_wrong_key():
    def loss(params, x):
        return dk.sum(dk.tanh(x @ params["W1"] + params["b1"]))

    params = {"W1": np.array([[0.2, -0.4], [0.1, 0.3]]), "b1": np.array([0.05, -0.1])}
    x = np.array([[1.0, -1.0], [0.5, 2.0]])

    def grad(params, x):
        s = 1 - np.tanh(x @ params["W1"] + params["b1"]) ** 2
        return {"W1": x.T @ s, "B1": s.sum(axis=0)}

    report = dk.check_grad(loss, grad, params, x)
    assert not report
    findings = report.all_findings
    assert any("key 'B1'" in f and "did you mean 'b1'? wrong dict key" in f for f in findings)
    assert any("no entry 'b1'" in f for f in report.argument("b1").findings)
    assert report.argument("W1").verdict == CORRECT

    def fixed(params, x):
        g = grad(params, x)
        return {"W1": g["W1"], "b1": g["B1"]}

    assert dk.check_grad(loss, fixed, params, x)


def test_missing_argument_and_none(point):
    two = dk.check_grad(bce_network, lambda *a: bce_network_grads(*a)[:2], *point, argnums=(0, 1, 2))
    assert not two
    assert "returned 2 gradient(s) for 3 differentiated argument(s) (w1, w2, b)" in two.findings[0]
    assert "missing argument: no gradient given for b" in two.argument("b").findings
    none = dk.check_grad(bce_network, lambda *a: (None, *bce_network_grads(*a)[1:]), *point, argnums=(0, 1, 2))
    assert "missing argument: the gradient for w1 is None" in none.argument("w1").findings


def test_bad_options_raise_diffkit_errors(point):
    with pytest.raises(dk.UnknownMethodError):
        check(point, None, methods=("tapes",))
    with pytest.raises(dk.InputError, match="mode must be 'full'"):
        check(point, None, mode="some")
    with pytest.raises(dk.InputError, match="rtol must be a positive number"):
        check(point, None, rtol=-1)


RTOL_RULE = (
    "rtol must be a positive number (the relative error above which an entry is wrong, e.g. rtol=1e-4), "
    "or None for the dtype's band; got "
)
ATOL_RULE = (
    "atol must be a non-negative number (the absolute error at or below which an entry is correct, "
    "e.g. atol=1e-8), or None for the reference's rounding level; got "
)
SEED_RULE = (
    "seed must be a non-negative int (the seed of the random directions and upstream gradient, e.g. seed=0); got "
)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"rtol": "a"}, RTOL_RULE + "'a'"),
        ({"rtol": -1e-3}, RTOL_RULE + "-0.001"),
        ({"rtol": 0.0}, RTOL_RULE + "0.0"),
        ({"rtol": float("nan")}, RTOL_RULE + "nan"),
        ({"atol": "a"}, ATOL_RULE + "'a'"),
        ({"atol": -1e-8}, ATOL_RULE + "-1e-08"),
        ({"atol": float("inf")}, ATOL_RULE + "inf"),
        ({"seed": "abc"}, SEED_RULE + "'abc'"),
        ({"seed": -1}, SEED_RULE + "-1"),
        ({"seed": 1.5}, SEED_RULE + "1.5"),
        ({"mode": "random", "seed": "abc"}, SEED_RULE + "'abc'"),
        ({"shown": "5"}, "shown must be a non-negative int (how many of the worst entries to print per argument, "
                         "e.g. shown=5); got '5'"),
    ],
)
def test_invalid_tolerance_or_seed_is_an_input_error_naming_the_option(point, options, message):
    with pytest.raises(dk.InputError) as caught:
        check(point, None, **options)
    assert str(caught.value) == message


def test_valid_tolerances_and_seeds_of_any_numeric_type(point):
    assert check(point, None, atol=0).verdict == CORRECT
    assert check(point, None, rtol=np.float32(1e-3), atol=np.float64(1e-12))
    assert check(point, None, mode="random", seed=np.int64(7)).verdict == RANDOM_PASS


def test_gradients_keyed_by_argument_name(point):
    def as_dict(*args):
        return dict(zip(("w1", "w2", "b"), bce_network_grads(*args)))

    assert dk.check_grad(bce_network, as_dict, *point, argnums=(0, 1, 2)).verdict == CORRECT


def test_finite_differences_alone_pinpoint_the_same_entry(point):
    """fd-central judging alone names the same entry, and on a smooth point the references agree."""
    by_fd = check(point, "one-entry", methods=("fd-central",))
    assert by_fd.methods == ["fd-central"] and by_fd.wrong_entries == ["w1[1,2]"]
    assert not any("disagrees" in n for a in check(point, None).arguments for n in a.notes)


def batch_normalised_sum(x):
    """Each column of x centred by its mean and divided by its standard deviation, then summed.

    Every column of the normalised x sums to 0 whatever x is, so the gradient is exactly
    0 everywhere; f itself is 0 up to rounding of terms of size 1.
    """
    centred = x - dk.mean(x, axis=0)
    return dk.sum(centred / dk.sqrt(dk.mean(dk.square(centred), axis=0)))


def centred_sum(x):
    """sum(x - mean(x)) = 0 for every x: gradient exactly 0."""
    return dk.sum(x - dk.mean(x))


@pytest.fixture
def batch():
    x = np.random.default_rng(1).standard_normal((4, 2))
    # the cancellation the check must see through: the tape's "0" carries rounding
    assert np.any(dk.grad(batch_normalised_sum)(x) != 0)
    return x


def test_zero_gradient_of_a_batch_normalised_sum_is_correct(batch):
    report = dk.check_grad(batch_normalised_sum, lambda x: np.zeros_like(x), batch)
    assert report and report.verdict == CORRECT
    assert report.wrong_entries == [] and report.argument("x").entries(KINK) == []
    assert report.argument("x").notes == []  # no invented kink, no "please report"
    assert "non-differentiable point" not in report.text().split("how this was judged")[0]
    assert "rounding noise of f: measured from 8 evaluations" in report.text()  # ECnoise's 8 points


def test_zero_gradient_of_a_centred_sum_is_correct(batch):
    report = dk.check_grad(centred_sum, lambda x: np.zeros_like(x), batch)
    assert report and report.verdict == CORRECT
    assert not any("please report" in n for n in report.argument("x").notes)
    assert report.argument("x").notes == []


def test_zero_gradient_with_one_reference_or_in_random_mode(batch):
    zeros = np.zeros_like(batch)
    assert dk.check_grad(batch_normalised_sum, zeros, batch, methods=("tape",)).verdict == CORRECT
    assert dk.check_grad(batch_normalised_sum, zeros, batch, methods=("fd-central",)).verdict == CORRECT
    random = dk.check_grad(batch_normalised_sum, zeros, batch, mode="random")
    assert random.verdict == RANDOM_PASS and all(d.verdict == CORRECT for d in random.directional)


def test_wrong_gradient_of_a_function_that_cancels_is_still_wrong(batch):
    # dividing by the std but forgetting that the mean and std depend on x: 1/std everywhere
    forgot_statistics = dk.check_grad(batch_normalised_sum, lambda x: np.ones_like(x) / x.std(axis=0), batch)
    assert not forgot_statistics and len(forgot_statistics.wrong_entries) == 8
    # forgetting the mean's dependence on x in the centred sum: d/dx sum(x) = 1
    assert dk.check_grad(centred_sum, lambda x: np.ones_like(x), batch).wrong_entries == [
        "x[0,0]", "x[0,1]", "x[1,0]", "x[1,1]", "x[2,0]", "x[2,1]", "x[3,0]", "x[3,1]"
    ]
    for size in (1e-3, 1e-8, 1e-12):  # a small non-zero value in one entry is caught, far above rounding
        planted = np.zeros_like(batch)
        planted[2, 0] = size
        report = dk.check_grad(batch_normalised_sum, planted, batch)
        assert not report and report.wrong_entries == ["x[2,0]"]
        assert report.argument("x").entries(KINK) == []


def test_small_true_gradient_under_a_large_offset_stays_strict():
    """f = 1e10 + sum(x**2) at x = (1e-3, 0.5): the gradient (2e-3, 1) is far below the
    finite-difference noise of a 1e10 function, but the tape's own rounding is tiny, so a
    gradient 0.5% off is still wrong."""

    def offset_square(x):
        return 1e10 + dk.sum(x * x)

    x = np.array([1e-3, 0.5])
    assert dk.check_grad(offset_square, np.array([2e-3, 1.0]), x)
    assert dk.check_grad(offset_square, np.array([2.01e-3, 1.0]), x).wrong_entries == ["x[0]"]
    assert dk.check_grad(offset_square, np.array([0.0, 1.0]), x).wrong_entries == ["x[0]"]


@pytest.mark.parametrize("mode", ["full", "random"])
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_an_infinite_or_nan_gradient_is_wrong_however_large_its_own_rounding(mode, bad):
    x = np.array([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no NumPy warning comes out of the comparison
        report = dk.check_grad(lambda x: dk.sum(x**2), lambda x: np.array([2.0, bad]), x, mode=mode)
    assert not report and report.verdict == WRONG


def test_the_same_infinite_slope_as_the_reference_is_correct():
    # d/dx sqrt(x) = 1 / (2 sqrt(x)): +inf at 0, as the tape computes it (the check's measurement
    # of f's rounding noise evaluates sqrt a few ulps below 0 too: NaN there, with NumPy's warning)
    x = np.array([0.0, 4.0])
    with np.errstate(invalid="ignore"):
        report = dk.check_grad(lambda x: dk.sum(dk.sqrt(x)), lambda x: np.array([np.inf, 0.25]), x, methods=("tape",))
        wrong_sign = dk.check_grad(lambda x: dk.sum(dk.sqrt(x)), lambda x: np.array([-np.inf, 0.25]), x,
                                   methods=("tape",))
    assert report and report.argument("x").verdict == CORRECT
    assert not wrong_sign and wrong_sign.argument("x").verdict == WRONG


def test_a_complex_gradient_is_a_finding_not_its_real_part():
    x = np.array([1.0, 2.0])
    report = dk.check_grad(lambda x: dk.sum(x**2), lambda x: 2 * x + 1j, x)
    assert not report and report.argument("x").verdict == WRONG
    assert any("complex entries" in finding for finding in report.argument("x").findings)
    assert dk.check_grad(lambda x: dk.sum(x**2), lambda x: 2 * x + 0j, x)  # a zero imaginary part is real


def test_methods_may_be_any_collection_of_names():
    report = dk.check_grad(lambda x: dk.sum(x**2), lambda x: 2 * x, np.ones(2), methods={"tape"})
    assert report.passed


def _square_sum(p):
    """sum of squares of every array in the nested dict p: its gradient is 2 p, entry by entry."""
    return dk.sum(p["l1"]["W"] ** 2) + dk.sum(p["l1"]["b"] ** 2) + dk.sum(p["l2"] ** 2)


def _nested_point():
    return {"l1": {"W": np.array([1.0, 2.0]), "b": np.array([3.0])}, "l2": np.array([4.0])}


def test_a_none_gradient_inside_a_dict_is_wrong_not_skipped():
    p = {"W": np.array([1.0, 2.0]), "b": np.array([3.0])}
    loss = lambda p: dk.sum(p["W"] ** 2) + dk.sum(p["b"] ** 2)  # noqa: E731
    report = dk.check_grad(loss, lambda p: {"W": np.array([2.0, 4.0]), "b": None}, p)
    assert not report
    assert report.argument("W").verdict == CORRECT
    assert report.argument("b").verdict == WRONG
    assert report.argument("b").findings == ["missing argument: the gradient for b is None"]


def test_a_none_gradient_inside_a_tuple_is_wrong_not_skipped():
    t = (np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    report = dk.check_grad(lambda t: dk.sum(t[0] * t[1]), lambda t: (t[1], None), t)
    assert not report
    assert report.argument("t[0]").verdict == CORRECT  # d/dt0 sum(t0 * t1) = t1
    assert report.argument("t[1]").findings == ["missing argument: the gradient for t[1] is None"]


def test_a_short_tuple_gradient_names_the_item_it_lacks():
    t = (np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    report = dk.check_grad(lambda t: dk.sum(t[0] * t[1]), lambda t: (t[1],), t)
    assert report.argument("t[1]").verdict == WRONG
    assert report.argument("t[1]").findings == ["missing argument: no gradient given for t[1]"]


def test_a_none_or_missing_branch_of_nested_dicts_is_wrong_in_every_leaf():
    for given in ({"l1": None, "l2": np.array([8.0])}, {"l2": np.array([8.0])}):
        report = dk.check_grad(_square_sum, lambda p, given=given: given, _nested_point())
        assert not report
        assert report.argument("l2").verdict == CORRECT  # 2 * 4
        assert report.argument("l1.W").verdict == WRONG
        assert report.argument("l1.b").verdict == WRONG
        assert report.argument("l1.b").findings == ["missing argument: no gradient given for l1.b"]
    none = dk.check_grad(_square_sum, lambda p: {"l1": None, "l2": np.array([8.0])}, _nested_point())
    assert none.argument("l1.W").findings == ["missing argument: the gradient for p.l1 is None"]


FORGOT_ARGNUMS = (
    "the gradient for w is a tuple of 2 arrays: 2 gradients for 1 differentiated argument (w); to check 2 "
    "arguments pass argnums=(0, 1), or return only the gradient of w"
)


def test_several_gradients_for_one_argument_say_to_pass_argnums():
    # d/dw sum(x w + b) = x, d/db = 1: right gradients, but argnums (default 0) names only w
    loss = lambda w, b, x: dk.sum(x * w + b)  # noqa: E731
    w, b, x = np.array([1.0, 2.0]), np.array([0.5]), np.array([3.0, 4.0])
    ragged = dk.check_grad(loss, lambda w, b, x: (x, np.array([2.0])), w, b, x)
    assert not ragged and ragged.argument("w").findings == [FORGOT_ARGNUMS]
    same_shape = dk.check_grad(loss, lambda w, b, x: (x, np.ones(2)), w, np.ones(2), x)
    assert not same_shape and same_shape.argument("w").findings == [FORGOT_ARGNUMS]
    assert dk.check_grad(loss, lambda w, b, x: (x, np.array([2.0])), w, b, x, argnums=(0, 1))
    assert dk.check_grad(loss, lambda w, b, x: list(x), w, b, x)  # a list of numbers is one gradient


def test_the_cli_reports_several_gradients_for_one_argument_as_a_finding(tmp_path, capsys):
    from diffkit.cli import main

    path = tmp_path / "mynet.py"
    path.write_text(
        "import numpy as np, diffkit as dk\n"
        "def loss(w, b, x):\n    return dk.sum(x * w + b)\n"
        "def loss_grad(w, b, x):\n    return x, np.array([2.0])\n"
        "def example_args():\n    return np.array([1.0, 2.0]), np.array([0.5]), np.array([3.0, 4.0])\n"
    )
    assert main(["check", f"{path}:loss", f"{path}:loss_grad", "--argnums", "0"]) == 1  # a wrong gradient
    assert FORGOT_ARGNUMS in capsys.readouterr().out


def test_a_wrong_gradient_of_tiny_values_is_wrong():
    # d/dx sum(x**2) = 2x = (2, 4, -6) * 1e-200; yours (2, 6, -6) * 1e-200 is off by half at x[1]
    x = np.array([1.0, 2.0, -3.0]) * 1e-200
    report = dk.check_grad(lambda x: dk.sum(x**2), lambda x: np.array([2.0, 3.0, 2.0]) * x, x, methods=("tape",))
    assert not report and report.wrong_entries == ["x[1]"]
    assert report.argument("x").rel_errors[1] == pytest.approx(1 / 3, rel=1e-12)  # 2e-200 / 6e-200
    assert dk.check_grad(lambda x: dk.sum(x**2), lambda x: 2 * x, x, methods=("tape",))


def test_two_arrays_for_one_item_of_a_tuple_argument_are_a_shape_finding_not_an_argnums_hint():
    t = (np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    report = dk.check_grad(lambda t: dk.sum(t[0] * t[1]), lambda t: ((t[1], t[1]), t[0]), t)
    assert report.argument("t[0]").findings == [
        "grad for t[0] has shape (2, 2); t[0] has shape (2,): t[0] was broadcast, so its gradient is the sum over "
        "the broadcast axes; not summed over the batch? (sum over axis 0)"
    ]
    assert report.argument("t[1]").verdict == CORRECT


def test_entries_lost_in_the_rounding_of_the_step_are_explained_not_reported_as_a_problem():
    # d/dx sum(x^2) = 2x at x ~ 1e-200: x + h rounds to h, so fd-central sees x as 0 and gives 0
    x = np.array([1.0, 2.0, -3.0]) * 1e-200
    right = dk.check_grad(lambda x: dk.sum(x**2), lambda x: 2 * x, x)
    assert right and right.verdict == CORRECT
    (note,) = right.argument("x").notes
    assert "smaller than the rounding of x ± h (the step is 6.1e-06), so the central differences see them as 0" in note
    assert "please report" not in note
    assert not dk.check_grad(lambda x: dk.sum(x**2), lambda x: 3 * x, x)  # judged against the tape: 50% off


def test_rows_of_one_gradient_given_as_a_list_keep_the_shape_finding():
    # f has one argument, so a list of arrays is no "gradients for several arguments": here the
    # rows of the transposed gradient 2x, which the transpose hint names
    x = np.arange(6.0).reshape(3, 2)
    report = dk.check_grad(lambda x: dk.sum(x**2), lambda x: list((2 * x).T), x)
    assert not report
    text = report.text()
    assert "gradients for 1 differentiated argument" not in text
    assert "the transpose of your gradient for x matches diffkit's: return its transpose" in text


@pytest.mark.parametrize("key", ("x", "dx"))
def test_the_gradient_of_one_argument_may_come_keyed_by_its_name(key):
    x = np.array([1.0, -2.0])
    assert dk.check_grad(lambda x: dk.sum(x**2), lambda x: {key: 2 * x}, x).verdict == CORRECT
    assert not dk.check_grad(lambda x: dk.sum(x**2), lambda x: {key: 3 * x}, x)
