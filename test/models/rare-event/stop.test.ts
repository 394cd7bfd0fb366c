/**
 * A rare-event run on the CPU engine stops on SIGTERM within the batch in flight, as every run does (exit 143, its
 * finished batches saved, the resume command printed). The particle stepper yields to the event loop by time, counted
 * across its calls: before, it counted steps per call, and one splitting level's call never reached the count, so
 * the signal was heard only when the whole run had ended (the README's rare-failure.json: about 9 minutes).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliArgv, tempFolder } from '../../cli/cli-helpers.ts';
import { ROOT } from '../../gpu/spawn.ts';

const exp = {
  name: 'rare-stop',
  rareEvent: { particles: 400, replicates: 10, keepFraction: 0.5 },
  scenario: { model: 'chain', rates: [1.5, 1], alpha: 0.05, noise: { law: 'uniform', halfWidth: 1 }, steps: 800, trajectories: 1, seed: 2006 },
  sweep: { rates: [[1.5, 1], [1.5, 1, 1]], alpha: [0.05, 0.02, 0.01], time: 40 },
};
const { dir, write } = tempFolder('stdp-mc-rare-stop-');
const file = write('rare-stop', exp);
const batchLines = (out: string) => (existsSync(join(out, 'state.jsonl')) ? readFileSync(join(out, 'state.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"kind":"batch"')).length : 0);

describe('rare event on the CPU engine', () => {
  it('SIGTERM stops it within the batch in flight: exit 143, batches saved, the resume command printed', async () => {
    const out = join(dir, 'run');
    const [cmd, args] = cliArgv('node', ['run', file, '--engine', 'cpu', '--no-report', '--out', out]);
    const p = spawn(cmd, args, { cwd: ROOT });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const done = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
    for (let i = 0; i < 600 && batchLines(out) < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(batchLines(out)).toBeGreaterThanOrEqual(2);
    p.kill('SIGTERM');
    expect(await done).toBe(143);
    expect(err).toMatch(/stopped by SIGTERM; \d+ batches are saved in .*state\.jsonl; continue with: stdp-mc run .* --resume /);
    // 30 batches in all (6 grid points): really stopped, not run to the end first
    expect(batchLines(out)).toBeLessThan(30);
    expect(readFileSync(join(out, 'state.jsonl'), 'utf8')).not.toMatch(/"kind":"complete"/);
  }, 120_000);
});
