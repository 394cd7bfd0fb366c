/** Shared Monte Carlo draws for the theory tests: Philox uniforms mapped by the engines' own noise transform. */
import { uniforms } from '../../src/rng/philox.ts';
import { noiseFromUniform, type NoiseParams } from '../../src/models/chain/chain-math.ts';
import { normCdf } from '../../src/stats/normal.ts';
import type { NoiseSpec } from '../../src/theory/noise-moments.ts';

/** `n` rows of `width` Philox uniforms (step = row, trajectory 0, given stream), row-major. */
export function philoxUniforms(n: number, width: number, stream: number, key: [number, number] = [0x5eed, 0x7e0]): Float64Array {
  const out = new Float64Array(n * width);
  for (let i = 0; i < n; i++) {
    const u = uniforms(key, i, 0, stream, width);
    for (let j = 0; j < width; j++) out[i * width + j] = u[j]!;
  }
  return out;
}

/** The engines' u ↦ Z transform for a noise spec (sd defaults to h/2 for the truncated normal). */
export function noiseMap(noise: NoiseSpec): (u: number) => number {
  const h = noise.halfWidth;
  let np: NoiseParams;
  if (noise.law === 'uniform') np = { law: 0, h, sd: 0, lo: 0, width: 1 };
  else if (noise.law === 'rademacher') np = { law: 1, h, sd: 0, lo: 0, width: 1 };
  else {
    const sd = noise.sd ?? h / 2, lo = normCdf(-h / sd);
    np = { law: 2, h, sd, lo, width: normCdf(h / sd) - lo };
  }
  return (u) => noiseFromUniform(u, np);
}

/** Sample mean and its standard error. */
export function meanSe(xs: Float64Array): { mean: number; se: number } {
  let m = 0;
  for (const x of xs) m += x;
  m /= xs.length;
  let v = 0;
  for (const x of xs) v += (x - m) ** 2;
  v /= xs.length - 1;
  return { mean: m, se: Math.sqrt(v / xs.length) };
}
