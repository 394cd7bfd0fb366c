// Noise transforms and log1p shared by the chain, several-outputs and particle kernels (spliced in after philox.wgsl).
// Each kernel declares a uniform P with fields h, tn_lo, tn_width, tn_sd and the constant NOISE_LAW
// (0 uniform on [-h, h], 1 Rademacher ±h, 2 normal with sd tn_sd truncated to [-h, h]); chain-math.ts has the f64 twin.

// Acklam's rational approximation of the standard normal quantile (src/stats/normal.ts, normInv).
fn norm_inv(p: f32) -> f32 {
  if (p < 0.02425 || p > 0.97575) {
    let pp = select(p, 1.0 - p, p > 0.5);
    let q = sqrt(-2.0 * log(pp));
    let v = (((((-7.784894002430293e-3 * q - 3.223964580411365e-1) * q - 2.400758277161838) * q
      - 2.549732539343734) * q + 4.374664141464968) * q + 2.938163982698783) /
      ((((7.784695709041462e-3 * q + 3.224671290700398e-1) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1.0);
    return select(v, -v, p > 0.5);
  }
  let q = p - 0.5;
  let r = q * q;
  return (((((-3.969683028665376e1 * r + 2.209460984245205e2) * r - 2.759285104469687e2) * r + 1.38357751867269e2) * r
    - 3.066479806614716e1) * r + 2.506628277459239) * q /
    (((((-5.447609879822406e1 * r + 1.615858368580409e2) * r - 1.556989798598866e2) * r + 6.680131188771972e1) * r
    - 1.328068155288572e1) * r + 1.0);
}

fn noise(u: f32) -> f32 {
  if (NOISE_LAW == 0u) { return P.h * (2.0 * u - 1.0); }
  if (NOISE_LAW == 1u) { return select(P.h, -P.h, u < 0.5); }
  return clamp(P.tn_sd * norm_inv(P.tn_lo + u * P.tn_width), -P.h, P.h);
}

// log(1 + v): WGSL has no log1p, and log(1.0 + v) drops the low bits of a small v. For |v| < 1e-2 use the series
// v - v^2/2 + v^3/3 - v^4/4 + v^5/5 (truncation error < v^6/6 < 2e-13).
fn log1p_acc(v: f32) -> f32 {
  if (abs(v) < 1e-2) {
    return v * (1.0 - v * (0.5 - v * (0.3333333333 - v * (0.25 - v * 0.2))));
  }
  return log(1.0 + v);
}
