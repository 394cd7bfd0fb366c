/**
 * The ensemble host's batch loop (src/engines/webgpu/ensemble-host.ts) under Deno on lavapipe, with the probe kernel
 * of host-probe.ts: batches of the range, planned dispatches in groups with one parameter slot each, until-idle
 * rounds, progress, cancellation between submits, and a lost device reported as a DeviceLostError.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { denoBin } from '../../gpu/spawn.ts';

// host-probe.ts runs threads [5, 205) in batches of 64.
const RANGE = [5, 205] as const;
const batches = [[5, 69], [69, 133], [133, 197], [197, 205]];
let r: any;

beforeAll(() => {
  const out = execFileSync(denoBin(), ['run', '-A', fileURLToPath(new URL('./host-probe.ts', import.meta.url))], {
    timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
  }).toString();
  r = JSON.parse(out.trim().split('\n').pop()!);
}, 120_000);

describe('ensemble host (Deno, lavapipe)', () => {
  it('cuts the range into batches and gives each its context', () => {
    expect(r.planned.batches).toEqual(batches.map(([b0, b1], i) => [i, b0, b1, b1! - b0!, b0! - RANGE[0], Math.ceil((b1! - b0!) / 64)]));
  });

  it('planned dispatches: each reads its own parameter slot; 32 per submit, progress after each submit', () => {
    expect(r.planned.dispatches).toBe(4 * 40);
    expect(new Set(r.planned.totals)).toEqual(new Set([(40 * 41) / 2])); // every thread saw add = 1 … 40
    expect(r.planned.lefts).toEqual(Array.from({ length: 200 }, (_, t) => 3 * (RANGE[0] + t))); // budget 0: untouched
    const steps = batches.flatMap(([b0, b1]) => [32 * 2 * (b1! - b0!), 8 * 2 * (b1! - b0!)]);
    expect(r.planned.progress).toEqual(steps.map((_, i) => steps.slice(0, i + 1).reduce((a, b) => a + b, 0)));
  });

  it('until-idle rounds (1, 2, 4, 4, … dispatches) run until the round\'s last counter reads 0', () => {
    expect(r.idle.lefts.every((x: number) => x === 0)).toBe(true);
    // A batch needs ceil(max left / 10) dispatches; the rounds stop after the first round that includes that many.
    const rounds = (need: number) => { let k = 0; for (let i = 0; k < need; i++) k += Math.min(4, 2 ** i); return k; };
    const per = batches.map(([, b1]) => rounds(Math.ceil((3 * (b1! - 1)) / 10)));
    expect(r.idle.totals).toEqual(batches.flatMap(([b0, b1], i) => Array(b1! - b0!).fill(per[i])));
    expect(r.idle.dispatches).toBe(per.reduce((a, b) => a + b, 0));
    expect(r.idle.progress).toEqual([448, 896, 1344, 1400]); // work 7 per thread, after each batch
  });

  it('an abort stops the run at the next submit; a lost device surfaces as DeviceLostError', () => {
    expect(r.abort).toMatchObject({ error: 'AbortError', progress: [4096] });
    expect(r.lose).toMatchObject({ error: 'DeviceLostError', progress: [448] });
    expect(r.lose.message).toMatch(/^WebGPU device lost/);
  });
});
