/**
 * The run layer's own cost against the simulation (issue 13's wall-time goal): `npm run bench:bookkeeping`.
 *
 *   npm run bench:bookkeeping [-- --runs R] [--warm W] [--machine NAME] [--out DIR]
 *
 * Each case runs R times (default 11) as the command line runs it: a fresh `stdp-mc run … --engine cpu --no-report`
 * process per run (bin/stdp-mc, what `npx stdp-mc` runs), into a fresh folder. The CLI's time split (its last line:
 * engine start-up, simulation, bookkeeping, theory, summary.json) is read at full precision from STDP_MC_TIMING_FILE
 * (src/cli/emit-run.ts), and the ratio bookkeeping ÷ simulation is reported per run, with its median and quartiles. Cases:
 *   - fig2-simplex.json as shipped, and with every grid point's trajectories ×10 and ×100 (the same checkpoints,
 *     kept paths and batches: the run layer's work per checkpoint stays, the simulation grows);
 *   - fig2-simplex.json without the CLI's code cache (STDP_MC_NO_CODE_CACHE=1: the ES module bundle, its functions
 *     parsed and compiled in every process), and started as `node bin/stdp-mc.js` (Node's default pool of four V8
 *     background threads, where bin/stdp-mc sizes it to the cores less one), their runs alternating with the first
 *     case's;
 *   - success-vs-alpha-d2.json --trajectories 4000 (as the issue names it).
 * Then fig2-simplex.json W + 2 times (default W = 5) in this process (the CLI's entry imported once; Node's default
 * pool of V8 threads): the last W runs show what the same work costs once the JIT has compiled it, i.e. how much of a
 * short run's bookkeeping is the start-up of code that runs for the first time.
 *
 * Writes bench/results/<machine>-bookkeeping-<date>.json and .png/.svg/.vl.json (the ratio per run and case).
 * Never part of `npm test`: these are timings.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { codeIdentity } from '../src/core/provenance.ts';
import { writePlot } from '../src/report/render.ts';
import { benchOptions, machineSlug } from './lib.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = path.join(ROOT, 'bin/stdp-mc.js');
const LAUNCHER = path.join(ROOT, 'bin/stdp-mc');

const argv = process.argv.slice(2);
const opt = benchOptions(argv);
const RUNS = Number(opt('runs') ?? 11);
const WARM = Number(opt('warm') ?? 5);
if (!(Number.isInteger(RUNS) && RUNS >= 1) || !(Number.isInteger(WARM) && WARM >= 1)) throw new Error('--runs and --warm take a whole number ≥ 1');

/** The CLI's time split of one run (STDP_MC_TIMING_FILE), in seconds. */
interface Timing { engineStart: number; simulation: number; bookkeeping: number; theory: number; write: number; wall: number; batches: number }

/** A case; `env`: added to the environment of its runs; `node`: started as `node bin/stdp-mc.js`, not bin/stdp-mc. */
interface Case { name: string; file: string; args: string[]; env?: Record<string, string>; node?: boolean }

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stdp-mc-bookkeeping-'));

/** fig2-simplex.json with every grid point's trajectories multiplied by k (kept paths, checkpoints, batches unchanged). */
function scaledFig2(k: number): string {
  const exp = JSON.parse(fs.readFileSync(path.join(ROOT, 'experiments/fig2-simplex.json'), 'utf8'));
  delete exp.$schema;
  exp.name = `fig2-simplex-x${k}`;
  exp.scenario.trajectories *= k;
  for (const p of exp.sweep.points) p.trajectories *= k;
  const file = path.join(work, `${exp.name}.json`);
  fs.writeFileSync(file, JSON.stringify(exp));
  return file;
}

const cases: Case[] = [
  { name: 'fig2-simplex', file: path.join(ROOT, 'experiments/fig2-simplex.json'), args: [] },
  {
    name: 'fig2-simplex, no code cache', file: path.join(ROOT, 'experiments/fig2-simplex.json'), args: [],
    env: { STDP_MC_NO_CODE_CACHE: '1' },
  },
  { name: 'fig2-simplex, node bin/stdp-mc.js (4 V8 threads)', file: path.join(ROOT, 'experiments/fig2-simplex.json'), args: [], node: true },
  { name: 'fig2-simplex ×10 trajectories', file: scaledFig2(10), args: [] },
  { name: 'fig2-simplex ×100 trajectories', file: scaledFig2(100), args: [] },
  { name: 'success-vs-alpha-d2 --trajectories 4000', file: path.join(ROOT, 'experiments/success-vs-alpha-d2.json'), args: ['--trajectories', '4000'] },
];

function readTimings(file: string): Timing[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Timing) : [];
}

/** One cold run: a fresh CLI process into a fresh folder. */
function coldRun(c: Case, i: number): Timing {
  const timing = path.join(work, `timing-${process.pid}-${i}.jsonl`);
  const out = path.join(work, `out-${i}`);
  fs.rmSync(out, { recursive: true, force: true });
  const args = ['run', c.file, ...c.args, '--engine', 'cpu', '--no-report', '--out', out];
  const r = spawnSync(c.node ? process.execPath : LAUNCHER, c.node ? [BIN, ...args] : args, {
    cwd: ROOT, env: { ...process.env, STDP_MC_TIMING_FILE: timing, ...c.env }, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${c.name}: the run failed (${r.status}): ${r.stderr}`);
  const t = readTimings(timing);
  fs.rmSync(timing, { force: true });
  fs.rmSync(out, { recursive: true, force: true });
  if (t.length !== 1) throw new Error(`${c.name}: expected one timing line, got ${t.length}`);
  return t[0]!;
}

/** The case W + 2 times in this process (the CLI imported once): the timings of the last W. */
async function warmRuns(c: Case, w: number): Promise<Timing[]> {
  const timing = path.join(work, `timing-warm-${process.pid}.jsonl`);
  process.env.STDP_MC_TIMING_FILE = timing;
  const { loadCli } = await import(pathToFileURL(path.join(ROOT, 'bin/cli-bundle.mjs')).href);
  const { runCli } = await loadCli();
  const log = console.log;
  console.log = () => {}; // the runs' reports
  try {
    for (let i = 0; i < w + 2; i++) {
      const out = path.join(work, `warm-${i}`);
      const code = await runCli(['run', c.file, ...c.args, '--engine', 'cpu', '--no-report', '--out', out]);
      if (code !== 0) throw new Error(`${c.name}: warm run ${i} exited ${code}`);
      fs.rmSync(out, { recursive: true, force: true });
    }
  } finally {
    console.log = log;
    delete process.env.STDP_MC_TIMING_FILE;
  }
  return readTimings(timing).slice(2);
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q, lo = Math.floor(h);
  return s[lo]! + (h - lo) * ((s[lo + 1] ?? s[lo]!) - s[lo]!);
}

function describe(ts: Timing[]) {
  const ratio = ts.map((t) => t.bookkeeping / t.simulation);
  return {
    runs: ts.length,
    simulationMedian: quantile(ts.map((t) => t.simulation), 0.5),
    bookkeepingMedian: quantile(ts.map((t) => t.bookkeeping), 0.5),
    ratioMedian: quantile(ratio, 0.5),
    ratioQuartiles: [quantile(ratio, 0.25), quantile(ratio, 0.75)] as [number, number],
    ratioRange: [Math.min(...ratio), Math.max(...ratio)] as [number, number],
  };
}

const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
const ms = (x: number) => `${(1000 * x).toFixed(1)} ms`;

function ratioSpec(rows: { case: string; kind: string; ratio: number }[], subtitle: string): object {
  const order = [...new Set(rows.map((r) => r.case))];
  const top = Math.max(0.4, Math.ceil(10 * Math.max(...rows.map((r) => r.ratio))) / 10);
  const x = { field: 'ratio', type: 'quantitative', scale: { domain: [0, top], nice: false }, axis: { title: 'bookkeeping ÷ simulation (a tick per run, ◆ the median)', format: '%', tickCount: Math.round(top * 10) } };
  const y = { field: 'case', type: 'nominal', sort: order, axis: { title: null, labelLimit: 320, labelFontSize: 12 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'The run layer\'s bookkeeping against the simulation (CPU engine, --no-report)', subtitle, anchor: 'start', fontSize: 15 },
    width: 620,
    height: 300,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'tick', thickness: 2, size: 22, opacity: 0.55 },
        encoding: {
          y, x, yOffset: { field: 'kind' },
          color: { field: 'kind', type: 'nominal', legend: { title: null, orient: 'bottom', labelFontSize: 12, labelLimit: 400 } },
        },
      },
      {
        data: { values: rows },
        transform: [{ aggregate: [{ op: 'median', field: 'ratio', as: 'ratio' }], groupby: ['case', 'kind'] }],
        mark: { type: 'point', shape: 'diamond', filled: true, size: 110, stroke: '#222', strokeWidth: 1 },
        encoding: { y, x, yOffset: { field: 'kind' }, color: { field: 'kind', type: 'nominal' } },
      },
      {
        data: { values: [{ x: 0.3 }] },
        mark: { type: 'rule', strokeDash: [5, 4], color: '#444' },
        encoding: { x: { field: 'x', type: 'quantitative' } },
      },
      {
        data: { values: [{ x: 0.3, label: 'goal: 30 %' }] },
        mark: { type: 'text', align: 'left', dx: 4, dy: -6, fontSize: 11, color: '#444' },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
      },
    ],
    config: { axis: { grid: true, titleFontSize: 12 }, view: { stroke: '#ccc' } },
  };
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  const machine = { cpuModel: cpus[0]?.model ?? 'unknown', cores: os.availableParallelism?.() ?? cpus.length, node: process.versions.node };
  const name = opt('machine') ?? machineSlug(machine);
  const date = new Date().toISOString().slice(0, 10);
  const outDir = opt('out') ?? path.join(ROOT, 'bench/results');
  process.stderr.write(`bookkeeping bench on ${machine.cpuModel} (${machine.cores} cores): ${RUNS} cold runs per case, ${WARM} warm runs\n`);
  // Build the CLI's bundle before the first timed run (a source change since the last run rebuilds it), and write the
  // code cache of `run` where there is none (bin/code-cache.mjs: the first run of a command after a change writes it).
  spawnSync(process.execPath, [BIN, '--help'], { cwd: ROOT, stdio: 'ignore' });
  coldRun(cases[0]!, -1);

  const results: { case: string; args: string[]; kind: string; timings: Timing[]; summary: ReturnType<typeof describe> }[] = [];
  // The three fig2-simplex cases as shipped (the command; without the code cache; through node bin/stdp-mc.js) take
  // turns, run by run, so that they meet the machine in the same state; the others run one after the other.
  const timings = new Map<Case, Timing[]>(cases.map((c) => [c, []]));
  for (let i = 0; i < RUNS; i++) for (const c of cases.slice(0, 3)) timings.get(c)!.push(coldRun(c, i));
  for (const c of cases.slice(3)) for (let i = 0; i < RUNS; i++) timings.get(c)!.push(coldRun(c, i));
  for (const c of cases) {
    const ts = timings.get(c)!;
    const d = describe(ts);
    results.push({ case: c.name, args: c.args, kind: 'a fresh process per run (as the CLI runs)', timings: ts, summary: d });
    process.stderr.write(`  ${c.name}: simulation ${ms(d.simulationMedian)}, bookkeeping ${ms(d.bookkeepingMedian)}; ratio median ${pct(d.ratioMedian)} (quartiles ${pct(d.ratioQuartiles[0])}–${pct(d.ratioQuartiles[1])}, range ${pct(d.ratioRange[0])}–${pct(d.ratioRange[1])})\n`);
  }
  const warm = await warmRuns(cases[0]!, WARM);
  const dw = describe(warm);
  results.push({ case: cases[0]!.name, args: [], kind: `one process, runs 3–${WARM + 2} (compiled code)`, timings: warm, summary: dw });
  process.stderr.write(`  ${cases[0]!.name}, warm: simulation ${ms(dw.simulationMedian)}, bookkeeping ${ms(dw.bookkeepingMedian)}; ratio median ${pct(dw.ratioMedian)} (range ${pct(dw.ratioRange[0])}–${pct(dw.ratioRange[1])})\n`);

  fs.mkdirSync(outDir, { recursive: true });
  const stem = `${name}-bookkeeping-${date}`;
  const provenance = { date: new Date().toISOString(), command: `npm run bench:bookkeeping -- ${argv.join(' ')}`.trim(), ...(await codeIdentity()), machine };
  fs.writeFileSync(path.join(outDir, `${stem}.json`), JSON.stringify({ provenance, runs: RUNS, warmRuns: WARM, results }, null, 2));
  const rows = results.flatMap((r) => r.timings.map((t) => ({ case: r.case, kind: r.kind, ratio: t.bookkeeping / t.simulation })));
  const plot = await writePlot(outDir, stem, ratioSpec(rows, `${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${date}`));
  fs.rmSync(work, { recursive: true, force: true });
  process.stderr.write(`wrote ${path.join(outDir, `${stem}.json`)} and ${plot.png}\n`);
}

await main();
