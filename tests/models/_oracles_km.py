"""Slow, loop-based Kaplan-Meier and log-rank references for the tests.

Written subject by subject and time by time in plain Python, on purpose
unlike the vectorized kernels in ``ppprog.models._kernels``, so a shared
mistake is unlikely. Conventions are R ``survival``'s (see the kernels).
"""

from __future__ import annotations

import math

import numpy as np


def km_oracle(time, event, entry=None):
    """Rows ``(t, n_risk, n_event, n_censor, surv, std_err, cumhaz, cumhaz_se)``."""
    time = [float(x) for x in time]
    event = [int(x) for x in event]
    entry = [-math.inf] * len(time) if entry is None else [float(x) for x in entry]
    rows = []
    surv, green, haz, hvar = 1.0, 0.0, 0.0, 0.0
    for t in sorted(set(time)):
        at_risk = sum(1 for a, b in zip(entry, time) if a < t <= b)
        d = sum(1 for b, ev in zip(time, event) if b == t and ev == 1)
        c = sum(1 for b, ev in zip(time, event) if b == t and ev == 0)
        if d > 0:
            surv = surv * (1.0 - d / at_risk)
            green = math.inf if d == at_risk else green + d / (at_risk * (at_risk - d))
            haz += d / at_risk
            hvar += d / at_risk**2
        rows.append((t, at_risk, d, c, surv, math.sqrt(green), haz, math.sqrt(hvar)))
    return rows


def quantile_oracle(times, surv, p, tol=1.4901161193847656e-08):
    """R's quantile rule written as a scan over the step function.

    Walk the curve; the first time ``S <= 1 - p + tol`` starts the answer.
    If ``S`` there is within ``tol`` of ``1 - p``, average with the next time
    ``S`` falls below ``1 - p - tol`` or, if none, with the last time.
    NaN entries (undefined limits) are skipped; NaN when never reached.
    """
    target = 1.0 - p
    if p == 0:
        return 0.0
    pts = [(t, s) for t, s in zip(times, surv) if not math.isnan(s)]
    for i, (t, s) in enumerate(pts):
        if s <= target + tol:
            if abs(s - target) >= tol:
                return t
            for t2, s2 in pts[i + 1 :]:
                if s2 < target - tol:
                    return (t + t2) / 2
            # flat at the target to the end: R uses the curve's last time,
            # unless the band ends in NaN (undefined), where it gives NA
            # (R's dedup keeps only the first NaN, so a trailing NaN block
            # counts only when no NaN came before it)
            nan_at = [j for j, v in enumerate(surv) if math.isnan(v)]
            if nan_at and all(math.isnan(v) for v in surv[nan_at[0] :]):
                return math.nan
            return (t + times[-1]) / 2
    return math.nan


def logrank_oracle(time, event, group, strata=None, rho=0.0, entry=None):
    """Observed, expected (summed over strata) and variance, by explicit loops."""
    n = len(time)
    levels = sorted(set(group))
    k = len(levels)
    strata = [0] * n if strata is None else list(strata)
    entry = [-math.inf] * n if entry is None else list(entry)
    obs = [0.0] * k
    exp = [0.0] * k
    var = [[0.0] * k for _ in range(k)]
    for s in sorted(set(strata)):
        idx = [i for i in range(n) if strata[i] == s]
        km_before = 1.0
        for t in sorted({time[i] for i in idx}):
            risk = [0] * k
            dead = [0] * k
            for i in idx:
                j = levels.index(group[i])
                if entry[i] < t <= time[i]:
                    risk[j] += 1
                if time[i] == t and event[i]:
                    dead[j] += 1
            big_n, big_d = sum(risk), sum(dead)
            if big_d == 0:
                continue
            w = km_before**rho
            for j in range(k):
                obs[j] += w * dead[j]
                exp[j] += w * big_d * risk[j] / big_n
            if big_n > 1:
                c = w * w * big_d * (big_n - big_d) / (big_n * (big_n - 1))
                for a in range(k):
                    for b in range(k):
                        delta = 1.0 if a == b else 0.0
                        var[a][b] += c * risk[a] * (delta - risk[b] / big_n)
            km_before *= 1.0 - big_d / big_n
    return np.array(obs), np.array(exp), np.array(var)
