#!/usr/bin/python3
"""Reference for `moelab bench fit`: Chinchilla Approach-3 fit with scipy's L-BFGS-B.

Same objective as moelab (summed Huber, delta = 1e-3, on log-loss residuals, log-sum-exp parameterisation,
Hoffmann et al. App. D.2 initialisation grid of 4500 starts), analytic gradient in numpy, then `--bootstrap`
resamples warm-started from the full fit. Reads {"params": [...], "tokens": [...], "loss": [...], "seed": s}
as JSON on stdin; writes a JSON report on stdout: wall times (perf_counter) and CPU times of this process,
all threads (process_time) for the grid and the bootstrap. Run with Debian's /usr/bin/python3 (python3-scipy).
"""
import itertools
import json
import sys
import time

import numpy as np
from scipy.optimize import minimize


def make_objective(log_n, log_d, log_l, delta, weights):
    def fg(p):
        a, b, e, alpha, beta = p
        u = np.stack([a - alpha * log_n, b - beta * log_d, np.full_like(log_n, e)])
        m = u.max(axis=0)
        ex = np.exp(u - m)
        s = ex.sum(axis=0)
        pred = m + np.log(s)
        w = ex / s
        r = pred - log_l
        ar = np.abs(r)
        quad = ar <= delta
        f = np.sum(weights * np.where(quad, 0.5 * r * r, delta * (ar - 0.5 * delta)))
        psi = weights * np.where(quad, r, delta * np.sign(r))
        g = np.array([
            np.sum(psi * w[0]),
            np.sum(psi * w[1]),
            np.sum(psi * w[2]),
            -np.sum(psi * w[0] * log_n),
            -np.sum(psi * w[1] * log_d),
        ])
        return f, g
    return fg


def main():
    cfg = json.load(sys.stdin)
    log_n = np.log(np.asarray(cfg["params"], dtype=float))
    log_d = np.log(np.asarray(cfg["tokens"], dtype=float))
    log_l = np.log(np.asarray(cfg["loss"], dtype=float))
    delta = float(cfg.get("delta", 1e-3))
    n_boot = int(cfg.get("bootstrap", 1000))
    rng = np.random.default_rng(int(cfg.get("seed", 0)))
    ones = np.ones_like(log_l)
    fg = make_objective(log_n, log_d, log_l, delta, ones)
    grid = itertools.product(np.arange(0, 30, 5), np.arange(0, 30, 5), np.arange(-1, 1.5, 0.5),
                             np.arange(0, 2.5, 0.5), np.arange(0, 2.5, 0.5))
    t0 = time.perf_counter()
    c0 = time.process_time()
    best = None
    starts = 0
    for p0 in grid:
        res = minimize(fg, np.array(p0, dtype=float), jac=True, method="L-BFGS-B")
        starts += 1
        if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
            best = res
    t_grid = time.perf_counter() - t0
    c_grid = time.process_time() - c0
    t1 = time.perf_counter()
    c1 = time.process_time()
    n = len(log_l)
    alphas = []
    for _ in range(n_boot):
        counts = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        fgb = make_objective(log_n, log_d, log_l, delta, counts)
        res = minimize(fgb, best.x, jac=True, method="L-BFGS-B")
        alphas.append(res.x[3])
    t_boot = time.perf_counter() - t1
    c_boot = time.process_time() - c1
    a, b, e, alpha, beta = best.x
    json.dump({
        "starts": starts,
        "objective": float(best.fun),
        "coefficients": {"A": float(np.exp(a)), "B": float(np.exp(b)), "E": float(np.exp(e)),
                         "alpha": float(alpha), "beta": float(beta)},
        "grid_seconds": t_grid,
        "bootstrap_seconds": t_boot,
        "total_seconds": t_grid + t_boot,
        "grid_cpu_seconds": c_grid,
        "bootstrap_cpu_seconds": c_boot,
        "total_cpu_seconds": c_grid + c_boot,
        "bootstrap": n_boot,
        "alpha_se": float(np.std(alphas, ddof=1)) if n_boot > 1 else None,
    }, sys.stdout)


if __name__ == "__main__":
    main()
