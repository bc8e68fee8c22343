"""Steps of the Cox Newton loop (:mod:`ppprog.models._kernels.newton`).

:func:`evaluate` picks the fused pass (specialized for right-censored data
with up to 3 covariates, else general); :func:`constant_columns` is the
singularity check at zero; :func:`diverging` is the monotone-likelihood test
at the returned point: R's own "coefficient may be infinite" test
(``|s_j| > eps`` and ``|s_j| > sqrt(eps) |beta_j|`` for the next Newton step
``s``; with entry times ``|s_j| > sqrt(eps) (1 + |beta_j|)``), for the
covariates whose step is at least 1% of the largest (in standard
deviations), or a pivot dropped as redundant; and ppprog's collapse test: the
information along ``s`` below ``1e-4`` of its value at beta = 0.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ppprog.models._kernels.cox_pass import CHOL_TOL, chol2, chsolve2, efron_pass
from ppprog.models._kernels.cox_pass_p1 import pass_p1
from ppprog.models._kernels.cox_pass_p2 import pass_p2
from ppprog.models._kernels.cox_pass_p3 import pass_p3
from ppprog.models._kernels.linalg import quad_form

__all__ = ["constant_columns", "diverging", "evaluate"]

_DIV_Q = 1e-4


@njit(cache=True, error_model="numpy")
def constant_columns(Z: np.ndarray, blocks: np.ndarray, nb: int, flagged: np.ndarray) -> bool:
    """Flag columns constant within every stratum; return whether any."""
    anyc = False
    for j in range(flagged.shape[0]):
        const = True
        for b in range(nb):
            if blocks[b, 0] != blocks[b, 3]:
                continue  # one check per stratum, from its first block
            lo, hi = blocks[b, 3], blocks[b, 4]
            for i in range(lo + 1, hi + 1):
                if Z[i, j] != Z[lo, j]:
                    const = False
                    break
            if not const:
                break
        flagged[j] = const
        anyc = anyc or const
    return anyc


@njit(cache=True, error_model="numpy")
def diverging(U: np.ndarray, info: np.ndarray, I0: np.ndarray, beta: np.ndarray,
               summ: np.ndarray, L: np.ndarray, step: np.ndarray, eps: float, ag: bool,
               flag_o: np.ndarray, dir_o: np.ndarray) -> bool:  # fmt: skip
    """R's infinite-coefficient test plus ppprog's collapse test (flags written; True if diverging)."""
    p = beta.shape[0]
    sc, sd = summ[1], summ[2]
    chol2(info, sc, L, CHOL_TOL)
    chsolve2(L, sc, U, step)
    tinf = math.sqrt(eps)
    smax = 0.0
    for j in range(p):
        smax = max(smax, abs(step[j]) * sd[j])
    dropped = False
    anyf = False
    for j in range(p):
        sj = abs(step[j])
        big = sj > tinf * (1.0 + abs(beta[j])) if ag else sj > eps and sj > tinf * abs(beta[j])
        sing = L[j, j] == 0.0
        dropped = dropped or sing
        # along a diverging direction: a step at least 1% of the largest (in SDs)
        flag_o[j] = sing or not np.isfinite(U[j]) or (big and sj * sd[j] >= 0.01 * smax)
        anyf = anyf or flag_o[j]
        sgn = step[j] if step[j] != 0.0 else beta[j]
        dir_o[j] = (1 if sgn > 0 else -1) if flag_o[j] else 0
    if anyf and (dropped or quad_form(info, step) < _DIV_Q * quad_form(I0, step)):
        return True
    flag_o[:] = False
    dir_o[:] = 0
    return False


@njit(cache=True, error_model="numpy")
def evaluate(Z: np.ndarray, m: int, nb: int, ev: np.ndarray, blocks: np.ndarray,
              times: np.ndarray, start_s: np.ndarray, sidx: np.ndarray, xev: np.ndarray,
              has_start: bool, efron: bool, beta: np.ndarray, U: np.ndarray, info: np.ndarray,
              w: np.ndarray, inrisk: np.ndarray, sq: np.ndarray, a: np.ndarray, fw: np.ndarray,
              ib: np.ndarray) -> float:  # fmt: skip
    """The fused pass: specialized for right-censored data with p <= 3, else general."""
    p = beta.shape[0]
    if not has_start and p == 3:
        return pass_p3(Z, m, nb, ev, blocks, xev, efron, beta, U, info, w, fw, ib)
    if not has_start and p == 2:
        return pass_p2(Z, m, nb, ev, blocks, xev, efron, beta, U, info, w, fw, ib)
    if not has_start and p == 1:
        return pass_p1(Z, m, nb, ev, blocks, xev, efron, beta, U, info, w, fw, ib)
    return efron_pass(Z, m, nb, ev, blocks, times, start_s, sidx, xev, has_start, efron, beta,
                      U, info, w, inrisk, sq, a, fw, ib)  # fmt: skip
