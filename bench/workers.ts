/**
 * The CPU batch pool (src/run/batch-pool.ts) against one thread: `npm run bench:workers`.
 *
 *   npm run bench:workers [-- --runs R] [--workers n] [--machine NAME] [--out DIR]
 *
 * Each case runs R times (default 3) with --workers n (default: the machine's cores) and R times on one thread,
 * alternating, each as the command line runs it (a fresh `node bin/stdp-mc.js run … --engine cpu --no-report`
 * process into a fresh folder). The run's wall time is read from STDP_MC_TIMING_FILE (src/cli/emit-run.ts), and the
 * process's own wall time (start-up, worker start-up and exit included) is measured here. Reported per case: the
 * median wall times and their ratio (one thread ÷ n workers: the speed-up), and whether the summaries were equal
 * (timings and provenance aside). Writes bench/results/<machine>-workers-<date>.json. Never part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeIdentity } from '../src/core/provenance.ts';
import { benchOptions, machineSlug } from './lib.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = path.join(ROOT, 'bin/stdp-mc.js');
const argv = process.argv.slice(2);
const opt = benchOptions(argv);
const RUNS = Number(opt('runs') ?? 3);
const WORKERS = Number(opt('workers') ?? (os.availableParallelism?.() ?? os.cpus().length));
if (!(Number.isInteger(RUNS) && RUNS >= 1) || !(Number.isInteger(WORKERS) && WORKERS >= 2)) throw new Error('--runs ≥ 1 and --workers ≥ 2, whole numbers');

/** Cases of a few seconds on one thread here, each with at least 8 batches. */
const cases = [
  { name: 'chain: quickstart --trajectories 100000', file: 'experiments/quickstart.json', args: ['--trajectories', '100000'] },
  { name: 'several outputs: fig5-multi-1e-3 --trajectories 80', file: 'experiments/fig5-multi-1e-3.json', args: ['--trajectories', '80'] },
  { name: 'natural gradient: natural-gradient-fig3 --trajectories 10 --duration 4', file: 'experiments/natural-gradient-fig3.json', args: ['--trajectories', '10', '--duration', '4'] },
  { name: 'spiking: spiking-vs-chain --trajectories 2000', file: 'experiments/spiking-vs-chain.json', args: ['--trajectories', '2000'] },
];

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stdp-mc-workers-'));

/** A summary without what differs between two runs of the same numbers. */
function scrub(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(scrub);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>)
      .filter(([k]) => !['timing', 'provenance', 'wallSeconds', 'seconds', 'engineSeconds', 'copySeconds'].includes(k) && !/PerSecond$/.test(k))
      .map(([k, x]) => [k, scrub(x)]));
  }
  return v;
}

function run(c: (typeof cases)[number], workers: number, i: number): { wall: number; process: number; summary: string } {
  const timing = path.join(work, `timing-${i}-${workers}.jsonl`), out = path.join(work, `out-${i}-${workers}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'run', c.file, ...c.args, '--engine', 'cpu', '--no-report', '--out', out, ...(workers > 1 ? ['--workers', String(workers)] : [])], {
    cwd: ROOT, env: { ...process.env, STDP_MC_TIMING_FILE: timing }, encoding: 'utf8',
  });
  const processSeconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${c.name} (${workers} workers): the run failed (${r.status}): ${r.stderr}`);
  const wall = JSON.parse(fs.readFileSync(timing, 'utf8').trim()).wall as number;
  const summary = JSON.stringify(scrub(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'))));
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(timing, { force: true });
  return { wall, process: processSeconds, summary };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

async function main(): Promise<void> {
  const cpus = os.cpus();
  const machine = { cpuModel: cpus[0]?.model ?? 'unknown', cores: os.availableParallelism?.() ?? cpus.length, node: process.versions.node };
  const date = new Date().toISOString().slice(0, 10);
  const outDir = opt('out') ?? path.join(ROOT, 'bench/results');
  spawnSync(process.execPath, [BIN, '--help'], { cwd: ROOT, stdio: 'ignore' }); // build the bundle first
  process.stderr.write(`workers bench on ${machine.cpuModel} (${machine.cores} cores): ${RUNS} runs per case, 1 thread against ${WORKERS} workers\n`);
  const results = [];
  for (const c of cases) {
    const one: ReturnType<typeof run>[] = [], many: ReturnType<typeof run>[] = [];
    for (let i = 0; i < RUNS; i++) { one.push(run(c, 1, i)); many.push(run(c, WORKERS, i)); }
    const equal = many.every((m) => m.summary === one[0]!.summary) && one.every((o) => o.summary === one[0]!.summary);
    const r = {
      case: c.name, args: c.args,
      oneThread: { wall: one.map((x) => x.wall), process: one.map((x) => x.process) },
      workers: { wall: many.map((x) => x.wall), process: many.map((x) => x.process) },
      speedupWall: median(one.map((x) => x.wall)) / median(many.map((x) => x.wall)),
      speedupProcess: median(one.map((x) => x.process)) / median(many.map((x) => x.process)),
      summariesEqual: equal,
    };
    results.push(r);
    process.stderr.write(`  ${c.name}: one thread ${median(r.oneThread.wall).toFixed(2)} s, ${WORKERS} workers ${median(r.workers.wall).toFixed(2)} s: ` +
      `×${r.speedupWall.toFixed(2)} (process ×${r.speedupProcess.toFixed(2)}); summaries ${equal ? 'equal' : 'DIFFER'}\n`);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${opt('machine') ?? machineSlug(machine)}-workers-${date}.json`);
  const provenance = { date: new Date().toISOString(), command: `npm run bench:workers -- ${argv.join(' ')}`.trim(), ...(await codeIdentity()), machine };
  fs.writeFileSync(file, JSON.stringify({ provenance, runs: RUNS, workers: WORKERS, results }, null, 2));
  fs.rmSync(work, { recursive: true, force: true });
  process.stderr.write(`wrote ${file}\n`);
}

await main();
