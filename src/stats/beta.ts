/** Regularised incomplete beta function and the quantiles built on it (Clopper–Pearson, Student t). */

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), |relative error| < 1e-14 for x > 0.
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for I_x(a, b) (modified Lentz; Numerical Recipes §6.4). */
function betaCf(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c; if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c; if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** I_x(a, b), the regularised incomplete beta function. */
export function betaInc(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lbt = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lbt) * betaCf(a, b, x)) / a;
  return 1 - (Math.exp(lbt) * betaCf(b, a, 1 - x)) / b;
}

/** Quantile of Beta(a, b) by bisection on betaInc (monotone; 200 halvings reach double precision). */
export function betaQuantile(q: number, a: number, b: number): number {
  let lo = 0, hi = 1;
  for (let i = 0; i < 200 && hi - lo > 1e-16; i++) {
    const mid = (lo + hi) / 2;
    if (betaInc(mid, a, b) < q) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

const tQuantiles = new Map<string, number>();

/**
 * Two-sided Student-t quantile t_{ν, 1 − (1 − level)/2}, via P(|T| > t) = I_{ν/(ν+t²)}(ν/2, 1/2). A bisection of
 * [0, 1000] to the last double (about 60 steps; 0.5–2 ms while a process is young), and a run asks for the same few
 * (level, ν) again and again (every slope of every grid point), so each is computed once per process.
 */
export function tQuantile(level: number, nu: number): number {
  const key = `${level}:${nu}`;
  let t = tQuantiles.get(key);
  if (t === undefined) tQuantiles.set(key, (t = tQuantileBisection(level, nu)));
  return t;
}

function tQuantileBisection(level: number, nu: number): number {
  const tail = 1 - level;
  let lo = 0, hi = 1e3;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    // No double lies strictly between lo and hi: every further step would leave (lo + hi) / 2 as it is (mid is lo or
    // hi, and a step either keeps the interval or makes it [mid, mid]), so stop with the number 200 steps give.
    if (mid === lo || mid === hi) break;
    if (betaInc(nu / (nu + mid * mid), nu / 2, 0.5) > tail) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}
