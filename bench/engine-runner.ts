/**
 * One engine of the benchmark in its own process (so a GPU crash costs one point, not the run): Node via tsx or Deno.
 *
 *   node --import tsx bench/engine-runner.ts '<request>'      deno run -A bench/engine-runner.ts '<request>'
 *
 * request: { engine: "cpu" | "cpu-workers" | "gpujs" | "webgpu", workers?: number, runOptions?: {...},
 *            points?: PointRequest[], e2e?: { scenario } }
 * Prints JSON lines on stdout: {type: "engine", ...} first, then {type: "point", ...} per point (or
 * {type: "error", ...}), then {type: "e2e", ...} when asked for, and {type: "done"}.
 */
import { resolveScenario } from '../src/models/chain/scenario.ts';
import type { Engine } from '../src/models/chain/engine-types.ts';
import { measurePoint, type PointRequest } from './lib.ts';

const g = globalThis as any;
const args: string[] = g.Deno ? g.Deno.args : g.process.argv.slice(2);
const req = JSON.parse(args[0]!) as {
  engine: string;
  workers?: number;
  runOptions?: Record<string, unknown>;
  points?: PointRequest[];
  maxPointSeconds?: number;
  e2e?: { scenario: unknown };
};

function emit(o: unknown): void {
  const line = JSON.stringify(o) + '\n';
  if (g.Deno) g.Deno.stdout.writeSync(new TextEncoder().encode(line));
  else g.process.stdout.write(line);
}

async function createEngine(): Promise<Engine> {
  switch (req.engine) {
    case 'cpu': {
      const { CpuEngine } = await import('../src/models/chain/cpu-engine.ts');
      return new CpuEngine();
    }
    case 'cpu-workers': {
      const { CpuWorkersEngine } = await import('../src/models/chain/cpu-workers.ts');
      return new CpuWorkersEngine({ workers: req.workers });
    }
    case 'gpujs': {
      const { GpuJsEngine } = await import('../src/models/chain/gpujs-engine.ts');
      return await GpuJsEngine.create();
    }
    case 'webgpu': {
      const { WebGpuEngine } = await import('../src/models/chain/webgpu-engine.ts');
      const e = await WebGpuEngine.create();
      if (!e) throw new Error('no WebGPU adapter');
      return e;
    }
  }
  throw new Error(`unknown engine ${req.engine}`);
}

const t0 = performance.now();
let engine: Engine;
try {
  engine = await createEngine();
} catch (e) {
  emit({ type: 'unavailable', message: (e as Error).message });
  if (g.Deno) g.Deno.exit(0);
  else g.process.exit(0);
  throw e;
}
const createSeconds = (performance.now() - t0) / 1000;
const env = g.Deno ? g.Deno.env.toObject() : g.process.env;
emit({
  type: 'engine',
  info: engine.info,
  createSeconds,
  vkIcd: env.VK_ICD_FILENAMES ?? null,
  // Dawn (npm webgpu) is created with no toggles (create([]) in src/engines/webgpu/device.ts); Deno's wgpu takes none.
  toggles: req.engine === 'webgpu' ? (g.Deno ? 'wgpu (Deno): no toggles' : 'dawn: create([]), no toggles') : null,
});

// Skip a point whose K = 1 runs alone (warm-up, calibration) would take longer than maxPointSeconds, predicted from
// the last measured rate at the same d.
const lastRate = new Map<number, number>();
for (const p of req.points ?? []) {
  const rate = lastRate.get(p.d);
  const predicted = rate ? (3 * p.N) / rate + (p.target ?? 1) : 0;
  if (req.maxPointSeconds && predicted > req.maxPointSeconds) {
    emit({ type: 'skipped', d: p.d, N: p.N, reason: `predicted ${predicted.toFixed(0)} s > ${req.maxPointSeconds} s` });
    continue;
  }
  try {
    // WebGPU: the engine's own chunking (2^22 / N steps per dispatch on software adapters), capped at
    // min(4096, 2^13 / d) steps: on lavapipe long dispatches at small N returned wrong moments ("device moments do
    // not add up at step 16384: 2 of 64 trajectories" at d = 3 with 16384 steps; at d = 100 with 256 steps and
    // N ≤ 4096), while the same runs in shorter chunks are right (bench/README.md).
    const opts = req.engine === 'webgpu' && !req.runOptions?.stepsPerDispatch
      ? { ...req.runOptions, stepsPerDispatch: Math.max(1, Math.min(4096, Math.floor(2 ** 13 / p.d), Math.floor(2 ** 22 / p.N))) }
      : (req.runOptions ?? {});
    const r = await measurePoint(engine, p, opts);
    lastRate.set(p.d, r.stepsPerSecond);
    emit({ type: 'point', ...r });
  } catch (e) {
    emit({ type: 'error', d: p.d, N: p.N, message: (e as Error).message });
  }
}

if (req.e2e) {
  // End to end in this process: a fresh engine (adapter, device, pipeline compilation) plus the run and read-back.
  engine.dispose?.();
  const a = performance.now();
  const e2 = await createEngine();
  const r = await e2.run(resolveScenario(req.e2e.scenario), req.runOptions ?? {});
  const seconds = (performance.now() - a) / 1000;
  const last = r.checkpoints.at(-1)!;
  emit({ type: 'e2e', seconds, runSeconds: r.timing.seconds, successCount: last.successCount, n: last.n });
  e2.dispose?.();
} else {
  engine.dispose?.();
}
emit({ type: 'done' });
if (g.Deno) g.Deno.exit(0);
else g.process.exit(0);
