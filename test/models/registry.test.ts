/**
 * A walk over the registry (src/models/registry.ts): every model's shipped experiments validate with its parser;
 * every model runs its small experiment (small-experiments.ts) on the float64 CPU engine and on WebGPU (Deno on
 * lavapipe, and Node's Dawn on SwiftShader, f32) and they agree; every model resumes from a JSON round trip of its
 * first batches to the uninterrupted numbers; and a lost device is retried on a fresh engine with an unchanged
 * result, on WebGPU, for a model beside the chain. The WebGPU runs share one Deno process and one Node process
 * (test/gpu/registry-runner.ts, batched): Dawn's WGSL compiler is another than Deno's, and once refused a literal
 * that Deno took, so four models failed on Node and in browsers while this walk, on Deno only, passed. The CPU side
 * of the comparison is the uninterrupted run of the resume test.
 *
 * CPU against WebGPU: the engines read the same Philox numbers per copy, so every count (integers: successes, vertex
 * and plateau counts, histograms, spikes) must be identical on these short runs, and every other number must agree
 * to f32 rounding accumulated over the run: |a − b| ≤ 1e-3·max(|a|, |b|) + 1e-5 (the largest seen here is ~4e-4
 * relative, on standard deviations; a wrong kernel misses by orders of magnitude).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS, PRESETS, modelByName, modelNames, modelOf } from '../../src/models/registry.ts';
import { runEnsemble, type BatchRecord } from '../../src/run/run-ensemble.ts';
import { startBatchPool } from '../../src/run/batch-pool.ts';
import { ROOT, denoBin } from '../gpu/spawn.ts';
import { SMALL, scrub, smallExperiment } from './small-experiments.ts';

const EXPERIMENTS = new URL('../../experiments/', import.meta.url);

/** Numbers of two summaries side by side, over the same fields (strings, e.g. the engine's name, are not compared). */
function numbers(a: unknown, b: unknown, path: string, out: { path: string; a: number; b: number }[]): void {
  if (typeof a === 'number' && typeof b === 'number') out.push({ path, a, b });
  else if (Array.isArray(a) && Array.isArray(b)) {
    expect(b.length, path).toBe(a.length);
    a.forEach((x, i) => numbers(x, b[i], `${path}[${i}]`, out));
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    // The same fields on both sides (a field the other summary lacks would otherwise go unread).
    expect(Object.keys(b).filter((k) => k !== 'engine').sort(), path).toEqual(Object.keys(a).filter((k) => k !== 'engine').sort());
    for (const k of Object.keys(a)) if (k !== 'engine') numbers((a as any)[k], (b as any)[k], `${path}.${k}`, out);
  }
}

/**
 * The size of the terms of a difference the summary reports, where it reports one: Hebbian's measured − conditional
 * inner product (≈ −1 from terms ≈ 10, each a sum over P = 1024 weights in f32) carries the f32 rounding of its terms,
 * so its allowance scales with them (the conditional theory's mean beside it; Dawn's SwiftShader sums differently
 * from lavapipe: 2·10⁻³ relative on the difference, 10⁻⁴ on the terms). 0 elsewhere.
 */
function differenceScale(summary: unknown, path: string): number {
  const m = /^(.*)\.measuredMinusConditional\./.exec(path);
  if (!m) return 0;
  let o: any = summary;
  for (const k of m[1]!.split(/[.[\]]+/).filter(Boolean)) o = o?.[k];
  return Math.abs(o?.conditionalTheory?.mean ?? 0);
}

interface RegistryRequest { model: string; engine: 'webgpu'; failBatch?: number }

/**
 * Every WebGPU run of this file in one Deno process (test/gpu/registry-runner.ts with a batch: one Deno start, one
 * compile of the sources, one lavapipe initialisation instead of one each per run; every run still makes and disposes
 * its own engines). Started once, in the background, when the file's tests start; each test awaits its own answer.
 */
const GPU_RUNS: RegistryRequest[] = [
  ...modelNames().map((model) => ({ model, engine: 'webgpu' as const })),
  { model: 'multi', engine: 'webgpu', failBatch: 1 },
];
/** WebGPU in Node is Dawn (the npm `webgpu` package, on SwiftShader here), a compiler of its own: it refused WGSL that Deno took. */
type GpuRuntime = 'deno' | 'node';
const gpuBatches: Partial<Record<GpuRuntime, Promise<any[]>>> = {};
/** Node's batch: every model once (the retry is Deno's). */
const NODE_GPU_RUNS: RegistryRequest[] = modelNames().map((model) => ({ model, engine: 'webgpu' as const }));

function runGpuBatch(runtime: GpuRuntime): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const runner = fileURLToPath(new URL('../gpu/registry-runner.ts', import.meta.url));
    const batch = JSON.stringify({ batch: runtime === 'deno' ? GPU_RUNS : NODE_GPU_RUNS });
    const [cmd, args] = runtime === 'deno' ? [denoBin(), ['run', '-A', runner, batch]] : [process.execPath, ['--import', 'tsx', runner, batch]];
    const p = spawn(cmd, args, {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
    });
    let out = '', err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 600_000);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(`registry-runner.ts (${runtime}) exited with ${code ?? signal}: ${err.slice(-4000)}`);
        resolve(JSON.parse(out.trim().split('\n').pop()!).batch);
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** The answer of one WebGPU run of the batch (its error, if it threw, fails the test that asked). */
async function gpuRun(req: RegistryRequest, runtime: GpuRuntime = 'deno'): Promise<any> {
  const i = (runtime === 'deno' ? GPU_RUNS : NODE_GPU_RUNS).findIndex((r) => r.model === req.model && r.failBatch === req.failBatch);
  const answer = (await (gpuBatches[runtime] ??= runGpuBatch(runtime)))[i];
  if (answer.error) throw new Error(`${req.model} on WebGPU (${runtime})${req.failBatch !== undefined ? ` (failBatch ${req.failBatch})` : ''}: ${answer.error}`);
  return answer;
}

// Start the Deno batch with the file: it runs beside the in-process tests below (where a core is free).
beforeAll(() => {
  for (const runtime of ['deno', 'node'] as const) {
    gpuBatches[runtime] ??= runGpuBatch(runtime);
    gpuBatches[runtime]!.catch(() => { /* reported by the tests that await it */ });
  }
});

/** The CPU summary of each model's small experiment, as the resume test below computed it (the same run). */
const cpuSummaries = new Map<string, unknown>();

async function cpuSummary(model: string): Promise<unknown> {
  if (!cpuSummaries.has(model)) {
    const m = modelByName(model)!;
    const run = await runEnsemble(m, m.parse(smallExperiment(model), {}), { engine: 'cpu' });
    cpuSummaries.set(model, scrub(JSON.parse(JSON.stringify(m.files(m.result(run)).summary))));
  }
  return cpuSummaries.get(model);
}

describe('the registry', () => {
  it('lists every model once, each with a shipped experiment and a small experiment for these tests', () => {
    expect(new Set(modelNames()).size).toBe(MODELS.length);
    expect(Object.keys(SMALL).sort()).toEqual([...modelNames()].sort());
    const files = readdirSync(EXPERIMENTS).filter((f) => f.endsWith('.json'));
    for (const name of modelNames()) {
      expect(files.some((f) => modelOf(JSON.parse(readFileSync(new URL(f, EXPERIMENTS), 'utf8'))).model === name), name).toBe(true);
    }
  });

  it('every shipped experiment and every page preset validates with its model\'s parser', () => {
    for (const f of readdirSync(EXPERIMENTS).filter((x) => x.endsWith('.json'))) {
      const json = JSON.parse(readFileSync(new URL(f, EXPERIMENTS), 'utf8'));
      expect(() => modelOf(json).parse(json, {}), f).not.toThrow();
    }
    for (const p of PRESETS) expect(() => modelOf(p.json).parse(p.json, {}), p.id).not.toThrow();
  });

  it('refuses an unknown or missing model, naming the field and the models there are', () => {
    expect(() => modelOf({ name: 'x', scenario: { model: 'nope' } })).toThrow(/scenario\.model: unknown model "nope": one of "chain"/);
    expect(() => modelOf({ name: 'x', scenario: {} })).toThrow(/scenario\.model: required/);
  });
});

describe('every model resumes from its saved batches to the uninterrupted numbers (in process, CPU)', () => {
  for (const name of modelNames()) {
    it(name, async () => {
      const m = modelByName(name)!;
      const exp = m.parse(smallExperiment(name), {});
      const saved: BatchRecord[] = [];
      const full = await runEnsemble(m, exp, { engine: 'cpu', onBatch: (b) => { saved.push(b); } });
      expect(saved.length).toBeGreaterThanOrEqual(3);
      // the state log's round trip: statistics as JSON text and back
      const k = Math.floor(saved.length / 2);
      const done = saved.slice(0, k).map((b) => ({ ...b, stats: m.statsFromJSON(JSON.parse(JSON.stringify(m.statsToJSON(b.stats)))) }));
      const resumed = await runEnsemble(m, exp, { engine: 'cpu', done });
      expect(resumed.batchesRun).toBe(saved.length - k);
      const s = (r: typeof full) => scrub(JSON.parse(JSON.stringify(m.files(m.result(r)).summary)));
      const want = s(full);
      cpuSummaries.set(name, want);
      expect(s(resumed)).toEqual(want);
    }, 120_000);
  }
});

describe('every model on a pool of two worker threads (src/run/batch-pool.ts) gives the one-thread numbers', () => {
  // One pool for every model: each batch names its experiment, and a worker keeps what it parsed.
  const pool = startBatchPool(2);
  afterAll(() => pool.close());
  for (const name of modelNames()) {
    it(name, async () => {
      const m = modelByName(name)!, json = smallExperiment(name);
      const batches: [number, number][] = [];
      const run = await runEnsemble(m, m.parse(json, {}), {
        engine: 'cpu', pool, source: { model: name, json, overrides: {}, engine: 'cpu' }, onBatch: (b) => { batches.push([b.point, b.batch]); },
      });
      expect(run.workers).toBe(2);
      // taken and logged in batch order, whichever worker finished first
      expect(batches).toEqual([...batches].sort((x, y) => x[0] - y[0] || x[1] - y[1]));
      expect(batches.length).toBeGreaterThanOrEqual(3);
      expect(scrub(JSON.parse(JSON.stringify(m.files(m.result(run)).summary)))).toEqual(await cpuSummary(name));
    }, 120_000);
  }
});

describe.each([
  ['Deno, lavapipe', 'deno'], ['Node, Dawn on SwiftShader', 'node'],
] as const)('every model on the CPU (f64) and on WebGPU (%s, f32) agrees', (_, runtime) => {
  for (const name of modelNames()) {
    it(name, async () => {
      const cpu = await cpuSummary(name);
      const gpu = await gpuRun({ model: name, engine: 'webgpu' }, runtime);
      expect(gpu.engine.name).toBe('webgpu');
      expect(gpu.engine.adapter, 'the adapter the numbers came from').toBeTruthy();
      if (name === 'rare-event') expect(gpu.summary.engine).toMatchObject({ name: 'webgpu', runtime: expect.stringMatching(new RegExp(`^${runtime} `)), adapter: gpu.engine.adapter });
      const pairs: { path: string; a: number; b: number }[] = [];
      numbers(cpu, gpu.summary, '', pairs);
      expect(pairs.length).toBeGreaterThan(10);
      expect(pairs.filter(({ a }) => Number.isInteger(a)).length, 'counts compared').toBeGreaterThan(0);
      for (const { path, a, b } of pairs) {
        if (Number.isInteger(a) && Number.isInteger(b)) expect(b, `${name}${path}`).toBe(a);
        else if (Number.isNaN(a)) expect(b, `${name}${path}`).toBeNaN();
        else expect(Math.abs(a - b), `${name}${path}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-3 * Math.max(Math.abs(a), Math.abs(b), differenceScale(cpu, path)) + 1e-5);
      }
    }, 300_000);
  }
});

describe('a lost device is retried on a fresh engine with an unchanged result', () => {
  it('several outputs on WebGPU (Deno, lavapipe): batch 1 fails once, the summary equals the clean run', async () => {
    const clean = await gpuRun({ model: 'multi', engine: 'webgpu' });
    const retried = await gpuRun({ model: 'multi', engine: 'webgpu', failBatch: 1 });
    expect(clean.failures).toBe(0);
    expect(clean.created).toBe(1);
    expect(retried.engine.name).toBe('webgpu');
    expect(retried.failures).toBe(1);
    expect(retried.created).toBe(2);
    expect(retried.summary).toEqual(clean.summary);
  }, 300_000);
});
