#!/usr/bin/env python3
"""Derives the polynomial coefficients used by native/ops/math.h.

Weighted least squares on Chebyshev nodes, relative error as the weight, evaluated against
mpmath at 50 digits. Prints C++ constants and the max relative error of each fit in float64
(the float32 error of the kernels is measured by the tests, not here).
Run: python3 native/ops/tools/fit_coefficients.py
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 50


def fit(f, lo, hi, xform, degree, nodes=4000):
    """Fit f(x) ~ sum c_k * xform(x)^k minimising relative error on [lo, hi]."""
    k = np.arange(nodes)
    xs = [mp.mpf(lo) + (mp.mpf(hi) - lo) * (1 - mp.cos(mp.pi * (i + 0.5) / nodes)) / 2 for i in k]
    ts = np.array([float(xform(x)) for x in xs])
    ys = np.array([float(f(x)) for x in xs])
    A = np.vander(ts, degree + 1, increasing=True) / ys[:, None]
    c, *_ = np.linalg.lstsq(A, np.ones_like(ys), rcond=None)
    approx = np.polyval(c[::-1], ts)
    return c, np.max(np.abs(approx / ys - 1))


def show(name, c, err):
    print(f"// {name}: max rel err (float64) {err:.2e}")
    print(",\n".join(f"    {v:.9e}f" for v in c[::-1]))


# exp(r) on [-ln2/2, ln2/2]; c0 = c1 = 1 kept free, the fit lands on them.
c, e = fit(mp.exp, -mp.log(2) / 2, mp.log(2) / 2, lambda x: x, 6)
show("exp(r), r in [-ln2/2, ln2/2], highest power first", c, e)

# erf(a)/a as a polynomial in a^2 on [0, 0.5], for erf itself near 0 where 1 - erfc cancels.
c, e = fit(lambda a: mp.erf(a) / a, 1e-30, 0.5, lambda a: a * a, 4)
show("erf(a)/a in a^2, a in [0, 0.5]", c, e)

# erfc(a) * exp(a^2) as a polynomial in t = 1/(1 + a/2) on [1, 10.5].
# erfc(a) * exp(a^2) as a polynomial in t = 1/(1 + a/2) on [0, 10.5]: erfc in one branch
# (the normal CDF never needs 1 - erfc near 0, where it would cancel).
c, e = fit(lambda a: mp.erfc(a) * mp.exp(a * a), 0, 10.5, lambda a: 1 / (1 + a / 2), 10)
show("erfc(a)*exp(a^2) in t = 1/(1+a/2), a in [0, 10.5]", c, e)

# tanh(x)/x as a polynomial in x^2 on [0, 0.625]; above, tanh = 1 - 2/(exp(2x)+1) loses nothing.
c, e = fit(lambda x: mp.tanh(x) / x, 1e-30, 0.625, lambda x: x * x, 6)
show("tanh(x)/x in x^2, x in [0, 0.625]", c, e)

# atanh(s)/s as a polynomial in s^2 on [0, 1/3]: log1p(t) = 2 atanh(t / (2 + t)) for t in [0, 1].
c, e = fit(lambda s: mp.atanh(s) / s, 1e-30, mp.mpf(1) / 3, lambda s: s * s, 5)
show("atanh(s)/s in s^2, s in [0, 1/3]", c, e)

# expm1(x)/x on [-0.35, 0.35]; outside, exp(x) - 1 loses at most a factor 2.4 of relative accuracy.
c, e = fit(lambda x: mp.expm1(x) / x if x != 0 else mp.mpf(1), -0.35, 0.35, lambda x: x, 6)
show("expm1(x)/x, x in [-0.35, 0.35]", c, e)

# sin(r)/r and cos(r) as polynomials in r^2 on [0, pi/4], after reduction by multiples of pi/2.
c, e = fit(lambda r: mp.sin(r) / r, 1e-30, mp.pi / 4, lambda r: r * r, 4)
show("sin(r)/r in r^2, r in [0, pi/4]", c, e)
c, e = fit(mp.cos, 0, mp.pi / 4, lambda r: r * r, 5)
show("cos(r) in r^2, r in [0, pi/4]", c, e)

# The same functions at lower degree, for results stored as bf16 or f16 (math.h,
# kNarrowResults): about 2^-17 relative error, far below their rounding (up to 2^-8 and 2^-11).
for name, f, lo, hi, xform, degree in [
        ("exp(r) for 16-bit results", mp.exp, -mp.log(2) / 2, mp.log(2) / 2, lambda x: x, 4),
        ("erfc(a)*exp(a^2) in t for 16-bit results", lambda a: mp.erfc(a) * mp.exp(a * a), 0, 10.5,
         lambda a: 1 / (1 + a / 2), 7),
        ("tanh(x)/x in x^2 for 16-bit results", lambda x: mp.tanh(x) / x, 1e-30, 0.625, lambda x: x * x, 3),
        ("atanh(s)/s in s^2 for 16-bit results", lambda s: mp.atanh(s) / s, 1e-30, mp.mpf(1) / 3, lambda s: s * s, 2),
        ("expm1(x)/x for 16-bit results", lambda x: mp.expm1(x) / x if x != 0 else mp.mpf(1), -0.35, 0.35,
         lambda x: x, 4)]:
    c, e = fit(f, lo, hi, xform, degree)
    show(name, c, e)


def fit_rational(f, lo, hi, xform, p_degree, q_degree, nodes=2000, linear_steps=6, lawson_steps=30):
    """Fit f(x) ~ P(xform(x)) / Q(xform(x)), Q(0) = 1, minimising the max relative error on [lo, hi].

    Linearised least squares (P - f Q, weighted by 1 / (f Q_previous)), then Lawson's reweighting
    towards the minimax; returns the best step's P and Q (lowest power first) and its error.
    """
    k = np.arange(nodes)
    xs = [mp.mpf(lo) + (mp.mpf(hi) - lo) * (1 - mp.cos(mp.pi * (i + 0.5) / nodes)) / 2 for i in k]
    ts = np.array([float(xform(x)) for x in xs])
    ys = np.array([float(f(x)) for x in xs])
    q_values, lawson, best = np.ones_like(ts), np.ones_like(ts), None
    for step in range(linear_steps + lawson_steps):
        A = np.hstack([np.vander(ts, p_degree + 1, increasing=True),
                       -ys[:, None] * np.vander(ts, q_degree + 1, increasing=True)[:, 1:]])
        w = np.sqrt(lawson) / (ys * q_values)
        c, *_ = np.linalg.lstsq(A * w[:, None], ys * w, rcond=None)
        p, q = c[:p_degree + 1], np.concatenate([[1.0], c[p_degree + 1:]])
        q_values = np.polyval(q[::-1], ts)
        err = np.abs(np.polyval(p[::-1], ts) / q_values / ys - 1)
        if best is None or err.max() < best[2]:
            best = (p, q, err.max())
        if step >= linear_steps:
            lawson = lawson * err / np.sum(lawson * err)
    return best


# tanh(x)/x as P(x^2) / Q(x^2) on [0, 9] (tanh_rational): degrees (5, 3), and (3, 3) for 16-bit results.
for degrees, label in [((5, 3), ""), ((3, 3), " for 16-bit results")]:
    p, q, e = fit_rational(lambda x: mp.tanh(x) / x, 1e-6, 9, lambda x: x * x, *degrees)
    show(f"tanh(x)/x = P(x^2)/Q(x^2), x in [0, 9]{label}: P", p, e)
    show(f"Q{label}", q, e)
