/**
 * The zero-order learner's two engines replicate by replicate: the float64 CPU engine in process and the WebGPU
 * engine under Deno on lavapipe (f32) read the same Philox words, so every copy's checkpoint records (‖Zⁿ_t − Z_t‖,
 * the running sup, ‖∇L‖, L), its final θ and its flags must agree to f32 rounding; and a copy range cut into other
 * device batches gives the same numbers bit for bit (copies are addressed by index).
 *
 * Tolerance: f32 has unit roundoff u = 2^-24 ≈ 6e-8. θ is rounded at each of the J ≤ 240 updates and the flow,
 * θ₀, step and data are rounded once, so |θ_f32 − θ_f64| ≲ c·u·√J·(|θ| + J·|Δθ|) with c of order the operations per
 * coordinate (~10): at most ~1e-5 here; observed: ≤ 1e-6 (relative to max(1, |x|)). The test allows 2e-5·max(1, |x|);
 * a wrong random word, step, estimator or crossing gives deviations of order the values themselves (1e-2 … 1).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ZeroOrderCpuEngine } from '../../../src/models/zero-order/cpu-engine.ts';
import { resolveZeroOrderScenario } from '../../../src/models/zero-order/scenario.ts';
import { REC } from '../../../src/models/zero-order/stats.ts';
import { ROOT, denoBin } from '../../gpu/spawn.ts';

const base = { model: 'zero-order', minRatio: 0, seed: 1117 };
const CASES: { name: string; scenario: Record<string, unknown> }[] = [
  { name: 'quadratic H = I, two-point, regular clock', scenario: { ...base, loss: { kind: 'quadratic', dims: [5] }, updates: [50], checkpoints: 5, paths: 3, trajectories: 64 } },
  { name: 'quadratic, log-spaced H, one-point', scenario: { ...base, loss: { kind: 'quadratic', dims: [6], hessian: { min: 0.5, max: 3 }, distance: 0.7 }, estimator: 'one-point', updates: [40], A: 0.8, alpha: 1.5, checkpoints: [0.3, 0.5], trajectories: 48 } },
  { name: 'network 3 → 3 → 2 (d = 15), two samples over two opportunities', scenario: { ...base, loss: { kind: 'network', inputs: 3, hidden: [3], outputs: 2, samples: 2 }, updates: [60], A: 0.2, alpha: 20, opportunities: 2, checkpoints: 6, paths: 2, trajectories: 48 } },
  { name: 'quadratic, one-point, Poisson clock (λ = 1.5)', scenario: { ...base, loss: { kind: 'quadratic', dims: [3] }, estimator: 'one-point', clock: 'poisson', rate: 1.5, updates: [20], checkpoints: 4, paths: 2, trajectories: 64 } },
];
/** Case 0's copies 17…39 in device batches of 7. */
const CUT = { range: [17, 40] as [number, number], batchSize: 7 };

function onDeno(cases: { scenario: unknown; point: number; options?: object }[]): any[] {
  const out = execFileSync(denoBin(), ['run', '-A', fileURLToPath(new URL('./webgpu-runner.ts', import.meta.url)), JSON.stringify({ cases })], {
    cwd: ROOT, timeout: 240_000, maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
  }).toString();
  return JSON.parse(out.trim().split('\n').pop()!).results;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 2e-5 * Math.max(1, Math.abs(a));

describe('zero-order: CPU (f64) and WebGPU (Deno, lavapipe, f32) agree replicate by replicate', () => {
  it('every copy\'s records, final θ and flags, in four settings; a copy range in other device batches is bitwise the same', async () => {
    const gpu = onDeno([
      ...CASES.map((c) => ({ scenario: c.scenario, point: 0 })),
      { scenario: CASES[0]!.scenario, point: 0, options: { trajectoryRange: CUT.range, batchSize: CUT.batchSize } },
    ]);
    const cpu = new ZeroOrderCpuEngine();
    for (const [k, c] of CASES.entries()) {
      const s = resolveZeroOrderScenario(c.scenario);
      const r = await cpu.run(s, 0, { captureCopies: true });
      const g = gpu[k].copies, C = s.checkpoints.length, d = s.grid[0]!.d;
      expect(gpu[k].engine.name).toBe('webgpu');
      expect(g.flags, c.name).toEqual(Array.from(r.copies!.flags));
      expect(g.flags.every((f: number) => f === 0), c.name).toBe(true);
      let worst = 0;
      for (let i = 0; i < s.trajectories * C * REC; i++) {
        const a = r.copies!.rec[i]!, b = g.rec[i];
        worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(a)));
        if (!close(a, b)) expect.fail(`${c.name}: copy ${Math.floor(i / (C * REC))}, checkpoint ${Math.floor(i / REC) % C}, field ${i % REC}: cpu ${a}, webgpu ${b}`);
      }
      for (let i = 0; i < s.trajectories * d; i++) {
        const a = r.copies!.theta[i]!, b = g.theta[i];
        worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(a)));
        if (!close(a, b)) expect.fail(`${c.name}: copy ${Math.floor(i / d)}, θ_${i % d}: cpu ${a}, webgpu ${b}`);
      }
      // the sample paths too (θ₁ of copies < paths)
      r.accumulator.paths.forEach((p, j) => p.values.forEach((v, q) => expect(close(v, gpu[k].accumulator.paths[j].values[q]), `${c.name}: path ${j}, point ${q}`).toBe(true)));
      console.log(`${c.name}: largest |cpu − webgpu| / max(1, |cpu|) = ${worst.toExponential(2)}`);
    }
    // copies 17…39 in device batches of 7: the same words, so the same f32 numbers as in the one-batch run
    const whole = gpu[0].copies, cut = gpu[CASES.length].copies, C = resolveZeroOrderScenario(CASES[0]!.scenario).checkpoints.length;
    expect(cut.rec).toEqual(whole.rec.slice(CUT.range[0] * C * REC, CUT.range[1] * C * REC));
    expect(cut.theta).toEqual(whole.theta.slice(CUT.range[0] * 5, CUT.range[1] * 5));
  }, 240_000);
});
