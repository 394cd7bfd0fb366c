/**
 * The benchmark suite (`npm run bench`; never part of `npm test`). See bench/README.md.
 *
 *   npm run bench [-- --full] [--engines numpy,cpu,cpu-workers,webgpu-deno,webgpu-node,gpujs] [--target S]
 *                 [--max-point S] [--machine NAME] [--out DIR] [--no-e2e] [--quick] [--d 3,10] [--n 2^16,4096]
 *                 [--repeat R]
 *
 * Every engine runs in its own subprocess (bench/engine-runner.ts under Node or Deno, bench/numpy_chain.py under
 * python3); a crash costs the point it happened on, and the runner is restarted after it. Writes
 * bench/results/<machine>-<date>.json and .png (throughput against N per engine, one panel per d) and prints the
 * ratios to the NumPy baseline measured in the same run.
 */
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeIdentity } from '../src/core/provenance.ts';
import { wilson, zFor } from '../src/stats/intervals.ts';
import { writePlot } from '../src/report/render.ts';
import { CpuWorkersEngine } from '../src/models/chain/cpu-workers.ts';
import { benchScenario, machineSlug, type PointRequest } from './lib.ts';
import { throughputSpec } from './plot.ts';
import { aluBound, opsPerStep } from './ops.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

// ---------------------------------------------------------------------------------------------------------------
// Arguments

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const full = flag('full');
const quick = flag('quick');
const ALL_ENGINES = ['numpy', 'cpu', 'cpu-workers', 'webgpu-deno', 'webgpu-node', 'gpujs'];
const engines = (opt('engines') ?? ALL_ENGINES.join(',')).split(',').filter(Boolean);
for (const e of engines) if (!ALL_ENGINES.includes(e)) throw new Error(`unknown engine ${e}; choose from ${ALL_ENGINES.join(', ')}`);
const target = Number(opt('target') ?? (quick ? 0.3 : full ? 2 : 1));
const maxPoint = Number(opt('max-point') ?? (full ? 120 : 20));
const outDir = path.resolve(opt('out') ?? path.join(ROOT, 'bench/results'));
const HALF_WIDTH = 0.001;

// ---------------------------------------------------------------------------------------------------------------
// Grid: N = 2^6 … (×4), d ∈ {2, 3, 10, 100(, 1000)}; per-engine N caps keep the default run near 5 minutes.

const pow2 = (lo: number, hi: number) => Array.from({ length: (hi - lo) / 2 + 1 }, (_, i) => 2 ** (lo + 2 * i));
const listOpt = (name: string) => opt(name)?.split(',').map((v) => (/^2\^\d+$/.test(v) ? 2 ** Number(v.slice(2)) : Number(v)));
const D_LIST = listOpt('d') ?? (full ? [2, 3, 10, 100, 1000] : quick ? [3] : [2, 3, 10, 100]);
const N_ALL = listOpt('n') ?? (full ? pow2(6, 24) : quick ? pow2(6, 16).filter((n) => n === 64 || n === 4096 || n === 65536) : pow2(6, 16));
/** --repeat R: R rounds over the engines (interleaved), keeping each point's best rate (least disturbed by other load). */
const repeat = Math.max(1, Number(opt('repeat') ?? 1));

interface EngineSpec {
  name: string;
  label: string;
  /** Largest N·d for this engine (memory, and time on slow paths). */
  maxNd: (d: number) => number;
  maxN: number;
  maxD: number;
}

const SPECS: Record<string, EngineSpec> = {
  numpy: { name: 'numpy', label: 'NumPy (python3, f64)', maxN: full ? 2 ** 24 : 2 ** 16, maxD: 1000, maxNd: () => 2 ** 27 },
  cpu: { name: 'cpu', label: 'cpu, 1 thread (Node, f64)', maxN: full ? 2 ** 22 : 2 ** 16, maxD: 1000, maxNd: () => 2 ** 26 },
  'cpu-workers': { name: 'cpu-workers', label: `cpu, ${os.availableParallelism?.() ?? os.cpus().length} workers (Node, f64)`, maxN: full ? 2 ** 24 : 2 ** 16, maxD: 1000, maxNd: () => 2 ** 27 },
  'webgpu-deno': { name: 'webgpu-deno', label: 'webgpu (Deno, f32)', maxN: full ? 2 ** 24 : 2 ** 16, maxD: 1000, maxNd: () => 2 ** 28 },
  // Dawn on SwiftShader has crashed on large dispatches: small N only (src/models/chain/webgpu-engine.ts).
  'webgpu-node': { name: 'webgpu-node', label: 'webgpu (Node/Dawn, f32)', maxN: full ? 2 ** 14 : 2 ** 12, maxD: 100, maxNd: () => 2 ** 18 },
  gpujs: { name: 'gpujs', label: 'gpujs (Node, CPU mode)', maxN: full ? 2 ** 14 : 2 ** 12, maxD: 100, maxNd: () => 2 ** 18 },
};

function pointsFor(spec: EngineSpec): PointRequest[] {
  const pts: PointRequest[] = [];
  for (const d of D_LIST) {
    if (d > spec.maxD) continue;
    // Fewer N at large d by default (the point is the trend, and the 2-core machine is slow there).
    const nCap = !full && d >= 100 ? Math.min(spec.maxN, 2 ** 14) : spec.maxN;
    for (const N of N_ALL) if (N <= nCap && N * d <= spec.maxNd(d)) pts.push({ d, N, target });
  }
  return pts;
}

// ---------------------------------------------------------------------------------------------------------------
// Subprocesses

interface Line {
  type: string;
  [k: string]: any;
}

function commandFor(engine: string): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } | null {
  const env = { ...process.env };
  env.XDG_RUNTIME_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'stdp-mc-xdg-'));
  const runner = path.join(ROOT, 'bench/engine-runner.ts');
  const deno = path.join(ROOT, 'node_modules/.bin/deno');
  switch (engine) {
    case 'numpy':
      return { cmd: 'python3', args: [path.join(ROOT, 'bench/numpy_chain.py')], env };
    case 'webgpu-deno':
      return { cmd: fs.existsSync(deno) ? deno : 'deno', args: ['run', '-A', runner], env };
    case 'webgpu-node':
      if (!env.VK_ICD_FILENAMES && fs.existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      return { cmd: process.execPath, args: ['--import', 'tsx', runner], env };
    default:
      return { cmd: process.execPath, args: ['--import', 'tsx', runner], env };
  }
}

function requestFor(engine: string, points: PointRequest[], e2e?: unknown): unknown {
  if (engine === 'numpy') return { points, maxPointSeconds: maxPoint, alpha: 0.01, h: 1, seed: 1, ...(e2e ? { e2e } : {}) };
  const eng = engine === 'webgpu-deno' || engine === 'webgpu-node' ? 'webgpu' : engine;
  return { engine: eng, points, maxPointSeconds: maxPoint, ...(e2e ? { e2e } : {}) };
}

/** Runs one subprocess, echoing its lines; resolves with the parsed lines, the exit code and stderr's tail. */
function runProcess(engine: string, request: unknown, timeoutMs: number): Promise<{ lines: Line[]; code: number | null; stderr: string }> {
  const c = commandFor(engine)!;
  return new Promise((resolve) => {
    const child = spawn(c.cmd, [...c.args, JSON.stringify(request)], { cwd: ROOT, env: c.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Line[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stderr.on('data', (b) => (stderr = (stderr + b.toString()).slice(-4000)));
    createInterface({ input: child.stdout }).on('line', (l) => {
      let o: Line;
      try {
        o = JSON.parse(l);
      } catch {
        return;
      }
      lines.push(o);
      if (o.type === 'point' && Number.isInteger(Math.log2(o.N))) {
        process.stderr.write(`  ${engine.padEnd(12)} d=${String(o.d).padEnd(4)} N=2^${Math.log2(o.N)}`.padEnd(34) +
          `${fmt(o.stepsPerSecond)} steps/s  (K=${o.K}, ${o.seconds.toFixed(2)} s)\n`);
      } else if (o.type === 'skipped') process.stderr.write(`  ${engine.padEnd(12)} d=${o.d} N=2^${Math.log2(o.N)} skipped: ${o.reason}\n`);
      else if (o.type === 'error') process.stderr.write(`  ${engine.padEnd(12)} d=${o.d} N=2^${Math.log2(o.N)} error: ${o.message}\n`);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ lines, code: -1, stderr: String(e) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ lines, code, stderr });
    });
  });
}

interface EngineResult {
  engine: string;
  label: string;
  available: boolean;
  message?: string;
  info?: unknown;
  points: Line[];
  skipped: Line[];
  errors: Line[];
  e2e?: Line;
  wallSeconds: number;
}

/** All points of one engine; after a crash, the runner restarts with the points after the one that crashed. */
async function benchEngine(engine: string): Promise<EngineResult> {
  const spec = SPECS[engine]!;
  const res: EngineResult = { engine, label: spec.label, available: true, points: [], skipped: [], errors: [], wallSeconds: 0 };
  const t0 = performance.now();
  let todo = pointsFor(spec);
  process.stderr.write(`${spec.label}: ${todo.length} points\n`);
  while (todo.length) {
    const { lines, code, stderr } = await runProcess(engine, requestFor(engine, todo), full ? 3600_000 : 900_000);
    const head = lines.find((l) => l.type === 'engine');
    const unavailable = lines.find((l) => l.type === 'unavailable');
    if (unavailable || (!head && code !== 0)) {
      res.available = false;
      res.message = unavailable?.message ?? `could not start (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
      process.stderr.write(`  ${engine}: skipped: ${res.message}\n`);
      break;
    }
    res.info ??= head;
    const seen = new Set<string>();
    for (const l of lines) {
      if (l.type === 'point') res.points.push(l);
      else if (l.type === 'skipped') res.skipped.push(l);
      else if (l.type === 'error') res.errors.push(l);
      if (['point', 'skipped', 'error'].includes(l.type)) seen.add(`${l.d}:${l.N}`);
    }
    const rest = todo.filter((p) => !seen.has(`${p.d}:${p.N}`));
    if (lines.some((l) => l.type === 'done') || rest.length === 0) break;
    // The process died on rest[0]: record it and go on with the others.
    const crashed = rest[0]!;
    const why = `process exited (code ${code}) during this point: ${stderr.trim().split('\n').slice(-2).join(' | ')}`;
    res.errors.push({ type: 'error', d: crashed.d, N: crashed.N, message: why });
    process.stderr.write(`  ${engine} d=${crashed.d} N=${crashed.N}: ${why}\n`);
    todo = rest.slice(1);
  }
  res.wallSeconds = (performance.now() - t0) / 1000;
  return res;
}

// ---------------------------------------------------------------------------------------------------------------
// End to end: N for a Wilson 95 % half-width of 0.001 on the success probability at K = 2000 (d = 3, λ = (10, 7.5, 5),
// α = 0.01, uniform noise: the paper's Figure 2 setting).

const E2E_K = 2000;

async function pilotP(): Promise<number> {
  const eng = new CpuWorkersEngine();
  try {
    const r = await eng.run(benchScenario(3, 4096, E2E_K, 'e2e-pilot'));
    const a = r.checkpoints.at(-1)!;
    return a.successCount / a.n;
  } finally {
    eng.dispose();
  }
}

function trajectoriesFor(p: number): number {
  const z = zFor(0.95);
  let n = Math.ceil((z * z * p * (1 - p)) / (HALF_WIDTH * HALF_WIDTH));
  n = Math.ceil(n / 64) * 64;
  // Wilson's interval at this p is at least as narrow for p away from 1/2; make sure.
  for (;;) {
    const k = Math.round(p * n);
    const [lo, hi] = wilson(k, n);
    if ((hi - lo) / 2 <= HALF_WIDTH) return n;
    n += 1024;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Machine and provenance

function tryExec(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'], cwd: ROOT }).toString().trim();
  } catch {
    return null;
  }
}

function machineInfo() {
  const cpus = os.cpus();
  const mhz = (() => {
    try {
      const m = /cpu MHz\s*:\s*([\d.]+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
      return m ? Number(m[1]) : cpus[0]?.speed ?? null;
    } catch {
      return cpus[0]?.speed ?? null;
    }
  })();
  const flags = (() => {
    try {
      const m = /flags\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
      return m ? m[1]!.split(' ').filter((f) => /^(avx|avx2|avx512f|fma|sse4_2)$/.test(f)) : [];
    } catch {
      return [];
    }
  })();
  return {
    hostname: os.hostname(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    cpuMHz: mhz,
    simdFlags: flags,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.versions.node,
    deno: tryExec(path.join(ROOT, 'node_modules/.bin/deno'), ['--version'])?.split('\n')[0] ?? null,
    python: tryExec('python3', ['-c', 'import sys, numpy; print(sys.version.split()[0], numpy.__version__)']),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Output

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const e = Math.floor(Math.log10(Math.abs(x)) / 3);
  const units = ['', 'k', 'M', 'G', 'T'];
  if (e <= 0) return x.toFixed(0);
  return `${(x / 1000 ** e).toFixed(x / 1000 ** e >= 100 ? 0 : 1)}${units[e]}`;
}

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(w[j]!) : c.padStart(w[j]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const started = new Date();
  const t0 = performance.now();
  const machine = machineInfo();
  const name = opt('machine') ?? machineSlug(machine);
  const code = await codeIdentity();
  process.stderr.write(`stdp-mc bench on ${machine.cpuModel} (${machine.cores} cores)${full ? ', full grid' : ''}; target ${target} s per point\n`);

  const results: EngineResult[] = [];
  for (let round = 0; round < repeat; round++) {
    for (const e of engines) {
      const r = await benchEngine(e);
      const prev = results.find((x) => x.engine === e);
      if (!prev) {
        for (const q of r.points) q.rates = [q.stepsPerSecond];
        results.push(r);
        continue;
      }
      prev.wallSeconds += r.wallSeconds;
      for (const q of r.points) {
        const i = prev.points.findIndex((p) => p.d === q.d && p.N === q.N);
        if (i < 0) prev.points.push({ ...q, rates: [q.stepsPerSecond] });
        else {
          const rates = [...prev.points[i]!.rates, q.stepsPerSecond];
          prev.points[i] = q.stepsPerSecond > prev.points[i]!.stepsPerSecond ? { ...q, rates } : { ...prev.points[i]!, rates };
        }
      }
    }
  }

  // End to end.
  const e2e: Record<string, unknown>[] = [];
  let e2eSpec: Record<string, unknown> | null = null;
  if (!flag('no-e2e') && (!quick || flag('e2e'))) {
    const p = await pilotP();
    const N = trajectoriesFor(Math.min(Math.max(p, 0.5), 1 - 1e-4));
    e2eSpec = { d: 3, rates: [10, 7.5, 5], alpha: 0.01, K: E2E_K, pilotP: p, trajectories: N, halfWidth: HALF_WIDTH };
    process.stderr.write(`end to end: pilot p = ${p.toFixed(4)}, N = ${N} trajectories × K = ${E2E_K} for a 95 % half-width ≤ ${HALF_WIDTH}\n`);
    const e2eBudget = Number(opt('e2e-budget') ?? (full ? 1800 : 60));
    for (const r of results) {
      if (!r.available) continue;
      const at3 = r.points.filter((q) => q.d === 3).sort((a, b) => b.N - a.N)[0];
      if (!at3) continue;
      const predicted = (N * E2E_K) / at3.stepsPerSecond;
      const row: Record<string, unknown> = { engine: r.engine, predictedSeconds: predicted };
      if (predicted <= e2eBudget) {
        const scenario = { model: 'chain', rates: [10, 7.5, 5], alpha: 0.01, noise: { law: 'uniform', halfWidth: 1 }, steps: E2E_K, trajectories: N, seed: 'e2e', checkpoints: [E2E_K] };
        const req = r.engine === 'numpy'
          ? { points: [{ d: 3, N, K: E2E_K }], seed: 7 }
          : { ...(requestFor(r.engine, []) as object), e2e: { scenario } };
        const out = await runProcess(r.engine, req, 3600_000);
        const line = out.lines.find((l) => l.type === (r.engine === 'numpy' ? 'point' : 'e2e'));
        if (line) {
          const [lo, hi] = wilson(line.successCount, line.n);
          Object.assign(row, { seconds: line.seconds, successCount: line.successCount, n: line.n, wilson95: [lo, hi], halfWidth: (hi - lo) / 2 });
          if (r.engine === 'numpy') row.note = 'python3 in-process time of the chain (interpreter start-up and import not included)';
          else row.note = 'engine creation (adapter, device, pipeline compilation, workers) + run + read-back, in the subprocess';
          process.stderr.write(`  ${r.engine.padEnd(12)} ${line.seconds.toFixed(2)} s  p = ${(line.successCount / line.n).toFixed(4)} ± ${((hi - lo) / 2).toFixed(5)}\n`);
        } else row.error = `no result (exit ${out.code}): ${out.stderr.trim().split('\n').slice(-2).join(' | ')}`;
      } else {
        row.note = `not run: predicted ${predicted.toFixed(0)} s > budget ${e2eBudget} s (from the d = 3 rate at N = ${at3.N})`;
        process.stderr.write(`  ${r.engine.padEnd(12)} predicted ${predicted.toFixed(0)} s (not run)\n`);
      }
      e2e.push(row);
    }
  }

  // Ratios to NumPy, point by point.
  const np = results.find((r) => r.engine === 'numpy' && r.available);
  const npAt = (d: number, N: number) => np?.points.find((q) => q.d === d && q.N === N)?.stepsPerSecond;
  const ratios: Record<string, unknown>[] = [];
  for (const r of results) {
    for (const q of r.points) {
      const base = npAt(q.d, q.N);
      if (base) ratios.push({ engine: r.engine, d: q.d, N: q.N, ratioToNumpy: q.stepsPerSecond / base });
    }
  }

  // ALU bound of the WGSL kernel on the adapter measured (lavapipe: an estimate from the CPU).
  const deno = results.find((r) => r.engine === 'webgpu-deno' && r.available);
  let alu: Record<string, unknown> | null = null;
  if (deno) {
    const desc: string = (deno.info as any)?.info?.adapter?.description ?? '';
    const bound = aluBound(desc, machine.cores, machine.cpuMHz ?? 0);
    if (bound) {
      const perD = D_LIST.map((d) => {
        const best = deno.points.filter((q) => q.d === d).sort((a, b) => b.stepsPerSecond - a.stepsPerSecond)[0];
        const ops = opsPerStep(d);
        const boundSteps = bound.laneOpsPerSecond / ops.total;
        return best ? { d, opsPerStep: ops, boundStepsPerSecond: boundSteps, bestStepsPerSecond: best.stepsPerSecond, bestN: best.N, fraction: best.stepsPerSecond / boundSteps } : null;
      }).filter(Boolean);
      alu = { adapter: desc, ...bound, perD };
    }
  }

  const date = started.toISOString().slice(0, 10);
  const stem = `${name}-${date}`;
  const out = {
    schema: 'stdp-mc-bench/1',
    createdAt: started.toISOString(),
    wallSeconds: (performance.now() - t0) / 1000,
    command: `npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}`,
    machine: { name, ...machine },
    git: { commit: code.gitCommit, dirty: code.gitDirty, version: code.version },
    config: { full, target, repeat, maxPointSeconds: maxPoint, d: D_LIST, N: N_ALL, engines, scenario: 'rates λ_i = 10 − 5i/(d−1), α = 0.01, uniform noise h = 1, statistics at step K' },
    engines: results,
    ratios,
    e2e: { spec: e2eSpec, results: e2e },
    aluBound: alu,
    gpuTime: 'not measured: the engine does not write timestamp queries (adapter features are recorded per engine); wall time includes the read-back',
  };
  fs.mkdirSync(outDir, { recursive: true });
  const jsonPath = path.join(outDir, `${stem}.json`);
  fs.writeFileSync(jsonPath, JSON.stringify(out, null, 2) + '\n');
  const rows = results.flatMap((r) => r.points.map((q) => ({ engine: r.label, d: q.d, N: q.N, stepsPerSecond: q.stepsPerSecond })));
  let plotPaths: { png: string } | null = null;
  if (rows.length) plotPaths = await writePlot(outDir, stem, throughputSpec(rows, `${machine.cpuModel}, ${machine.cores} cores, ${date}`));

  // Report.
  const lines: string[] = [];
  lines.push('', `trajectory-steps/s (ratio to NumPy in the same run)`);
  for (const d of D_LIST) {
    const Ns = [...new Set(results.flatMap((r) => r.points.filter((q) => q.d === d).map((q) => q.N)))].sort((a, b) => a - b);
    if (!Ns.length) continue;
    const rowsT: string[][] = [[`d = ${d}`, ...Ns.map((N) => `N=2^${Math.log2(N)}`)]];
    for (const r of results) {
      if (!r.points.some((q) => q.d === d)) continue;
      rowsT.push([r.engine, ...Ns.map((N) => {
        const q = r.points.find((p) => p.d === d && p.N === N);
        if (!q) return '-';
        const b = npAt(d, N);
        return b && r.engine !== 'numpy' ? `${fmt(q.stepsPerSecond)} (${(q.stepsPerSecond / b).toFixed(1)}×)` : fmt(q.stepsPerSecond);
      })]);
    }
    lines.push('', table(rowsT));
  }
  lines.push('', 'weight updates/s = steps/s × d; uniforms/s = steps/s × (d + 1)');
  if (e2e.length) {
    lines.push('', `end to end to a 95 % half-width of ${HALF_WIDTH} (N = ${e2eSpec!.trajectories}, K = ${E2E_K}):`);
    for (const r of e2e) lines.push(`  ${String(r.engine).padEnd(12)} ${r.seconds !== undefined ? `${(r.seconds as number).toFixed(2)} s` : String(r.note ?? r.error)}`);
  }
  if (alu) {
    lines.push('', `ALU bound (estimate) for ${alu.adapter}: ${fmt(alu.laneOpsPerSecond as number)} lane-ops/s (${alu.derivation})`);
    for (const p of alu.perD as any[]) {
      lines.push(`  d = ${String(p.d).padEnd(4)} ${p.opsPerStep.total} ops/step → bound ${fmt(p.boundStepsPerSecond)} steps/s; best ${fmt(p.bestStepsPerSecond)} (N = 2^${Math.log2(p.bestN)}) = ${(100 * p.fraction).toFixed(0)} %`);
    }
  }
  lines.push('', `wrote ${path.relative(ROOT, jsonPath)}${plotPaths ? ` and ${path.relative(ROOT, plotPaths.png)}` : ''} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  process.stdout.write(lines.join('\n') + '\n');
}

await main();
process.exit(0);
