/**
 * The d = 3 theory's solve time (issue 14: "well under a second per α on a CPU"): `npm run bench:theory`.
 *
 *   npm run bench:theory [-- --runs R] [--machine NAME] [--out DIR]
 *
 * Times `predictSuccessD3` (the backward equation on two grids, src/theory/diffusion-d3.ts) for λ = (10, 7.5, 5),
 * uniform noise, at α = 0.05, 0.03, 0.02, 0.01 (the values test/theory/diffusion-d3.test.ts checks), R times each
 * (default 5) after one warm-up solve, in this process with its cache of solves cleared before each, and reports the median, the range and the fine grid's size.
 * Writes bench/results/<machine>-theory-d3-<date>.json. Never part of `npm test`: these are timings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeIdentity } from '../src/core/provenance.ts';
import { clearSolveD3Cache, predictSuccessD3 } from '../src/theory/diffusion-d3.ts';
import { benchOptions, machineSlug } from './lib.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const argv = process.argv.slice(2);
const opt = benchOptions(argv);
const RUNS = Number(opt('runs') ?? 5);
if (!(Number.isInteger(RUNS) && RUNS >= 1)) throw new Error('--runs takes a whole number ≥ 1');
const ALPHAS = [0.05, 0.03, 0.02, 0.01];
const RATES = [10, 7.5, 5];

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

const cpus = os.cpus();
const machine = { cpuModel: cpus[0]?.model ?? 'unknown', cores: os.availableParallelism?.() ?? cpus.length, node: process.versions.node };
predictSuccessD3({ rates: RATES, alpha: ALPHAS[0]! }); // warm-up: the solver's code compiled once
const results = ALPHAS.map((alpha) => {
  const seconds: number[] = [];
  let unknowns = 0, pFailure = NaN;
  for (let r = 0; r < RUNS; r++) {
    clearSolveD3Cache();
    const t0 = performance.now();
    const p = predictSuccessD3({ rates: RATES, alpha });
    seconds.push((performance.now() - t0) / 1000);
    unknowns = (p.details as { grids: { unknowns: number }[] }).grids.at(-1)!.unknowns;
    pFailure = 1 - p.pSuccess;
  }
  const row = { alpha, pFailure, fineUnknowns: unknowns, seconds, median: median(seconds), range: [Math.min(...seconds), Math.max(...seconds)] };
  console.log(`α = ${alpha}: P(failure) = ${pFailure.toFixed(4)}, ${unknowns} unknowns on the fine grid, ` +
    `median ${row.median.toFixed(3)} s (range ${row.range.map((s) => s.toFixed(3)).join('–')} s) over ${RUNS} solves`);
  return row;
});

const date = new Date().toISOString().slice(0, 10);
const outDir = opt('out') ?? path.join(ROOT, 'bench/results');
fs.mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, `${opt('machine') ?? machineSlug(machine)}-theory-d3-${date}.json`);
const provenance = { date: new Date().toISOString(), command: `npm run bench:theory -- ${argv.join(' ')}`.trim(), ...(await codeIdentity()), machine };
fs.writeFileSync(file, JSON.stringify({ provenance, rates: RATES, noise: 'uniform', runs: RUNS, results }, null, 2));
console.log(`wrote ${path.relative(process.cwd(), file)}`);
