/**
 * --force replaces the earlier run in a folder (src/cli/out-dir.ts guardOutDir): its state, summary and report go,
 * so no report of the earlier run is left beside the new summary; and a command refused before any work (an engine
 * that does not run the model, a precision target with --shard) leaves the earlier run as it was, exit 2. An engine
 * that cannot run the experiment is refused when it is chosen, before the run writes anything (gpu.js and the
 * chain's extensions: it was retried three times as if the device were lost, left a state log without batches, and
 * a resume could only name that same engine).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliInProcess } from './cli-in-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'stdp-mc-force-'));

const cli = cliInProcess;
afterEach(() => vi.restoreAllMocks());

const quickstart = join(ROOT, 'experiments/quickstart.json');
/** Every file of a folder with its bytes. */
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

describe('--force', () => {
  const dir = join(work, 'run');
  it('a refused command leaves the earlier run as it was; an accepted one removes its report with its state', async () => {
    const first = await cli(['run', quickstart, '--engine', 'cpu', '--trajectories', '40', '--steps', '200', '--out', dir]);
    expect(first.code, first.err).toBe(0);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
    const before = snapshot(dir);
    expect(Object.keys(before).filter((f) => f.endsWith('.png')).length).toBeGreaterThan(0);

    // an engine that does not run the model: refused when it is chosen, after the folder's guard
    const multi = await cli(['run', join(ROOT, 'experiments/fig5-multi-1e-3.json'), '--engine', 'gpujs', '--trajectories', '8', '--out', dir, '--force', '--no-report']);
    expect(multi.code, multi.err).toBe(2);
    expect(multi.err).toMatch(/gpujs is not available/);
    expect(snapshot(dir)).toEqual(before);

    // a precision target cannot be split into shards: a flag conflict, exit 2, before anything is touched
    const targetFile = join(work, 'target.json');
    const q = JSON.parse(readFileSync(quickstart, 'utf8'));
    delete q.$schema;
    writeFileSync(targetFile, JSON.stringify({ ...q, name: 'target', target: { successCIWidth: 0.2, maxTrajectories: 400, batchSize: 100 } }));
    const sharded = await cli(['run', targetFile, '--engine', 'cpu', '--shard', '1/2', '--out', dir, '--force']);
    expect(sharded.code, sharded.err).toBe(2);
    expect(sharded.err).toMatch(/precision target .* cannot be split into shards/);
    expect(snapshot(dir)).toEqual(before);

    // accepted: the earlier report goes with the earlier state (the files its report listed as it wrote them); the
    // user's own files stay, of any kind — a table and a figure of theirs included
    expect(JSON.parse(before['.stdp-mc-report.json']!).files).toEqual(expect.arrayContaining(['report.html', 'points.csv', 'log-gap.png', 'log-gap.svg', 'log-gap.vl.json']));
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    writeFileSync(join(dir, 'measurements.csv'), 'a,b\n1,2\n');
    writeFileSync(join(dir, 'figure1.png'), 'not really a png');
    const t0 = Date.now();
    const again = await cli(['run', quickstart, '--engine', 'cpu', '--trajectories', '30', '--steps', '200', '--out', dir, '--force', '--no-report']);
    expect(again.code, again.err).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['figure1.png', 'measurements.csv', 'notes.txt', 'state.blocks', 'state.jsonl', 'summary.json']);
    expect(statSync(join(dir, 'summary.json')).mtimeMs).toBeGreaterThanOrEqual(t0 - 1000);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).final.trajectories).toBe(30);
  });

  it('a run written before the report listed its files: its plots go (all three files of each), other files stay', async () => {
    const dir = join(work, 'older');
    expect((await cli(['run', quickstart, '--engine', 'cpu', '--trajectories', '40', '--steps', '200', '--out', dir])).code).toBe(0);
    rmSync(join(dir, '.stdp-mc-report.json'));
    writeFileSync(join(dir, 'mine.svg'), '<svg/>'); // not one of a plot's three files
    const again = await cli(['run', quickstart, '--engine', 'cpu', '--trajectories', '30', '--steps', '200', '--out', dir, '--force', '--no-report']);
    expect(again.code, again.err).toBe(0);
    const left = readdirSync(dir).sort();
    expect(left.filter((f) => /\.(png|vl\.json)$/.test(f) || f === 'report.html')).toEqual([]);
    expect(left).toContain('mine.svg');
    expect(left.filter((f) => f.endsWith('.csv')).length).toBeGreaterThan(0); // the older run's tables cannot be told from a user's
  });

  it('gpu.js and an experiment with the extensions: refused when the engine is chosen (exit 2), nothing written', async () => {
    const out = join(work, 'gpujs-correlated');
    const r = await cli(['run', join(ROOT, 'experiments/fig6-correlated.json'), '--engine', 'gpujs', '--trajectories', '50', '--steps', '20', '--out', out, '--no-report']);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toBe('stdp-mc: engine gpujs is not available: it does not run the model extensions (correlated inputs): use --engine webgpu or cpu\n');
    expect(existsSync(out)).toBe(false); // the folder this command made is taken back
  });
});
