#!/usr/bin/env python3
"""NumPy-vectorised reduced STDP chain: the outside baseline of the benchmark suite (bench/run.ts).

Same chain as src/models/chain/chain-math.ts, vectorised over trajectories (state x is d x N, float64):

    zeta ~ Categorical(p) by inversion of one uniform u0:  zeta = first i with u0 * S < sum_{j<=i} e^{x_j}
    Z_i = h (2 u_i - 1), uniform on [-h, h]
    x_i += log1p(alpha (1[i = zeta] + Z_i)),  then x -= max_j x_j

The uniforms come from NumPy's own Philox bit generator (numpy.random.Philox), d + 1 per trajectory-step, so the
random work matches the project's engines (Philox4x32-10) but the streams are not the same numbers: agreement is
statistical. Every operation writes into preallocated arrays (out=), so a step allocates nothing of size N except
the boolean comparison and the integer index (small next to the d x N work).

Usage:
    python3 bench/numpy_chain.py '<json request>'

request: {"points": [{"d": 3, "N": 65536, "K": 100} | {"d": 3, "N": 65536, "target": 1.5}], "seed": 1,
          "alpha": 0.01, "h": 1.0}
A point with "target" (seconds) and no K is calibrated: a short run measures the rate, K is chosen so the timed
run takes about `target` seconds (K >= 8). Prints JSON lines on stdout: {"type": "engine", versions}, then per point
    {"type": "point", "d", "N", "K", "seconds", "stepsPerSecond", "successCount", "n"}   (or "type": "skipped")
"""
import json
import sys
import time

try:
    import numpy as np
except ImportError:  # the driver reports the baseline as absent
    print(json.dumps({"type": "unavailable", "message": "numpy is not installed"}), flush=True)
    sys.exit(3)


def rates_for(d):
    # Distinct rates, the largest first (i* = 0): lambda_i = 10 - 5 i / (d - 1), as bench/lib.ts rates().
    return np.array([10.0 - 5.0 * i / (d - 1) for i in range(d)])


class Chain:
    def __init__(self, d, n, alpha, h, seed):
        self.d, self.n, self.alpha, self.h = d, n, alpha, h
        lr = np.log(rates_for(d))
        self.x = np.empty((d, n))
        self.x[:] = (lr - lr.max())[:, None]
        self.rng = np.random.Generator(np.random.Philox(seed))
        self.u = np.empty((d + 1, n))
        self.e = np.empty((d, n))
        self.c = np.empty((d, n))
        self.inc = np.empty((d, n))
        self.target = np.empty(n)
        self.m = np.empty(n)
        self.cols = np.arange(n)
        self.ltb = np.empty((d, n), dtype=bool)
        self.zeta = np.empty(n, dtype=np.intp)

    def step(self, K):
        d, x, u, e, c, inc, a, h = self.d, self.x, self.u, self.e, self.c, self.inc, self.alpha, self.h
        for _ in range(K):
            self.rng.random(out=u)
            np.exp(x, out=e)
            np.cumsum(e, axis=0, out=c)
            np.multiply(u[0], c[d - 1], out=self.target)
            # first i with target < c_i == number of i with c_i <= target (c is non-decreasing); clamp the
            # rounding case target >= c_{d-1} onto the last coordinate
            np.less_equal(c, self.target, out=self.ltb)
            np.sum(self.ltb, axis=0, out=self.zeta)
            np.minimum(self.zeta, d - 1, out=self.zeta)
            # alpha (1[i = zeta] + h (2 u_i - 1)) = (2 alpha h) u_i - alpha h  (+ alpha on the drawn coordinate)
            np.multiply(u[1:], 2.0 * a * h, out=inc)
            inc -= a * h
            inc[self.zeta, self.cols] += a
            np.log1p(inc, out=inc)
            x += inc
            np.max(x, axis=0, out=self.m)
            x -= self.m

    def success_count(self):
        return int(np.count_nonzero(np.argmax(self.x, axis=0) == 0))


def run_point(pt, alpha, h, seed):
    d, n = int(pt["d"]), int(pt["N"])
    ch = Chain(d, n, alpha, h, seed)
    ch.step(1)  # warm-up, as bench/lib.ts measurePoint
    K = pt.get("K")
    if K is None:
        # as bench/lib.ts measurePoint: grow k x4 until a run takes >= 20 % of the target and 1.5x the one before, fit t = a + b k
        target = float(pt.get("target", 1.0))
        k, prev = 1, None
        while True:
            t0 = time.perf_counter()
            ch.step(k)
            dt = time.perf_counter() - t0
            if (dt >= 0.2 * target and prev and dt > 1.5 * prev[1]) or dt >= 2 * target or k >= 1 << 22:
                b = (dt - prev[1]) / (k - prev[0]) if prev and dt > prev[1] else dt / k
                a = max(0.0, dt - b * k)
                K = max(k, min(1 << 24, int(round((target - a) / max(b, 1e-12)))))
                break
            prev = (k, dt)
            k *= 4
        ch = Chain(d, n, alpha, h, seed)
    t0 = time.perf_counter()
    ch.step(int(K))
    sc = ch.success_count()
    dt = time.perf_counter() - t0
    return {"d": d, "N": n, "K": int(K), "seconds": dt, "stepsPerSecond": n * K / dt, "successCount": sc, "n": n}


def main():
    req = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {"points": [{"d": 3, "N": 65536, "target": 1.0}]}
    alpha, h, seed = float(req.get("alpha", 0.01)), float(req.get("h", 1.0)), int(req.get("seed", 1))
    print(json.dumps({"type": "engine", "numpy": np.__version__, "python": sys.version.split()[0]}), flush=True)
    max_point = req.get("maxPointSeconds")
    last_rate = {}
    for pt in req["points"]:
        rate = last_rate.get(pt["d"])
        predicted = 3 * pt["N"] / rate + float(pt.get("target", 1.0)) if rate else 0.0
        if max_point and predicted > max_point:
            print(json.dumps({"type": "skipped", "d": pt["d"], "N": pt["N"],
                              "reason": "predicted %.0f s > %s s" % (predicted, max_point)}), flush=True)
            continue
        r = run_point(pt, alpha, h, seed)
        last_rate[pt["d"]] = r["stepsPerSecond"]
        print(json.dumps({"type": "point", **r}), flush=True)


if __name__ == "__main__":
    main()
