/**
 * The noise Z of the chain and the several-output model from one uniform u in (0, 1), in float64: uniform on
 * [−h, h], Rademacher ±h, or a normal of standard deviation sd truncated to [−h, h] (by inversion). shaders/noise.wgsl
 * is its f32 mirror.
 */
import type { NoiseSpec } from '../theory/noise-moments.ts';
import { normCdf, normInv } from '../stats/normal.ts';

/** Parameters of the noise transform u ↦ Z in (0,1) ↦ [-h, h], precomputed on the host. */
export interface NoiseParams {
  law: 0 | 1 | 2; // uniform, rademacher, truncnormal
  h: number;
  /** truncnormal: Z = sd · Φ^{-1}(lo + u · width), lo = Φ(−h/sd), width = Φ(h/sd) − lo. */
  sd: number;
  lo: number;
  width: number;
}

export function noiseParams(s: { noise: NoiseSpec }): NoiseParams {
  const h = s.noise.halfWidth;
  if (s.noise.law === 'uniform') return { law: 0, h, sd: 0, lo: 0, width: 1 };
  if (s.noise.law === 'rademacher') return { law: 1, h, sd: 0, lo: 0, width: 1 };
  const sd = s.noise.sd!;
  const lo = normCdf(-h / sd);
  return { law: 2, h, sd, lo, width: normCdf(h / sd) - lo };
}

export function noiseFromUniform(u: number, np: NoiseParams): number {
  if (np.law === 0) return np.h * (2 * u - 1);
  if (np.law === 1) return u < 0.5 ? -np.h : np.h;
  // Clamp guards the last ulp of Acklam's approximation at the truncation points.
  const z = np.sd * normInv(np.lo + u * np.width);
  return z < -np.h ? -np.h : z > np.h ? np.h : z;
}
