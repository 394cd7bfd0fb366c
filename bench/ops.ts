/**
 * Operation count of one step of shaders/chain.wgsl (per trajectory, per lane), and an ALU bound for the adapter the
 * benchmark ran on. The derivation is in bench/README.md ("Where the limit is"); keep the two in step.
 */

/** Lane-ops charged for one f32 exp / log as llvmpipe expands them (exp2: range reduction + degree-5 polynomial +
 * exponent insert; log2: mantissa/exponent split + polynomial): an estimate, see bench/README.md. */
export const EXP_COST = 11;
export const LOG_COST = 14;

/** 32×32 → high 32 bits from 16-bit halves (philox.wgsl mulhi32) with one constant operand (its halves folded):
 * split b (and, shr: 2), 4 mul, carries (shr, add; and, add; shr, shr, add, add: 8) = 14 integer ops. */
export const MULHI_OPS = 14;
/** One Philox4x32-10 call: 10 rounds × (2 mulhi + 2 mul.lo + 4 xor) + 9 key schedules × 2 adds. */
export const PHILOX_OPS = 10 * (2 * MULHI_OPS + 2 + 4) + 9 * 2;

export interface OpCount {
  philoxCalls: number;
  integer: number;
  float: number;
  exp: number;
  log: number;
  /** integer + float + exp·EXP_COST + log·LOG_COST */
  total: number;
}

export function opsPerStep(d: number): OpCount {
  const philoxCalls = 1 + Math.floor(d / 4);
  // u32 → uniform: shift + max (integer), convert + scale (float), for d + 1 words.
  const integer = philoxCalls * PHILOX_OPS + 2 * (d + 1);
  const float =
    2 * (d + 1) + // uniform: convert, scale
    d + // S += e_i
    2 * d + // last positive: compare, select
    1 + 3 * d + // categorical: threshold, then add, compare, select per coordinate (no early exit in SIMD)
    2 * d + // noise h (2u − 1)
    3 * d + // select 1[i = ζ], add, × α
    12 * d + // log1p_acc: |v|, compare, the 5-term series (9), 1 + v for the log branch (lanes diverge: both sides)
    3 * d; // x_i += …, running max, shift by the max
  const exp = d; // e_i = exp(x_i)
  const log = d; // log(1 + v) on the lanes where |v| ≥ 1e-2 (the drawn coordinate, half the time): every SIMD group
  return { philoxCalls, integer, float, exp, log, total: integer + float + exp * EXP_COST + log * LOG_COST };
}

/**
 * Lane-op throughput of a software adapter: llvmpipe/lavapipe runs one invocation per SIMD lane ("llvmpipe (LLVM …,
 * 256 bits)" → 8 f32 lanes) on every core. Bound = cores × lanes × clock × vector ops issued per cycle, with 2 per
 * cycle assumed for this mixed integer/float code (Zen 4 has 4 vector ALU pipes; dependencies and the integer
 * multiplies keep a sustained mix well below that). An estimate, not a measurement. Null for hardware adapters.
 */
export function aluBound(adapterDescription: string, cores: number, mhz: number):
  { laneOpsPerSecond: number; lanes: number; cores: number; mhz: number; vectorOpsPerCycle: number; derivation: string } | null {
  const m = /(\d+)\s*bits/.exec(adapterDescription);
  if (!/llvmpipe|lavapipe/i.test(adapterDescription) || !m || !(mhz > 0)) return null;
  const lanes = Number(m[1]) / 32;
  const vectorOpsPerCycle = 2;
  const laneOpsPerSecond = cores * lanes * mhz * 1e6 * vectorOpsPerCycle;
  return {
    laneOpsPerSecond, lanes, cores, mhz, vectorOpsPerCycle,
    derivation: `estimate: ${cores} cores × ${lanes} f32 lanes × ${(mhz / 1000).toFixed(2)} GHz × ${vectorOpsPerCycle} vector ops/cycle`,
  };
}
