/**
 * summary.json is written beside itself and renamed into place (src/report/summary-file.ts), so a kill while it is
 * written cannot leave it cut; a shard whose summary.json is damaged anyway is refused by merge with the way to
 * rebuild it (stdp-mc report DIR, from the shard's state), after which the merge goes through.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliInProcess } from './cli-in-process.ts';
import { writeSummaryFile } from '../../src/report/summary-file.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'stdp-mc-merge-summary-'));

const cli = cliInProcess;
afterEach(() => vi.restoreAllMocks());

describe('summary.json', () => {
  it('is replaced whole (a new file renamed into place, not the old one rewritten), with no draft left beside it', async () => {
    const dir = join(work, 'write');
    await writeSummaryFile(dir, { a: 1 });
    const before = statSync(join(dir, 'summary.json')).ino;
    await writeSummaryFile(dir, { b: [1, 2] });
    expect(statSync(join(dir, 'summary.json')).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(['summary.json']);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toEqual({ b: [1, 2] });
    // a summary that cannot be written (a folder in its place) fails and leaves no draft either
    const blocked = join(work, 'blocked');
    await writeSummaryFile(join(blocked, 'summary.json'), {});
    await expect(writeSummaryFile(blocked, { c: 1 })).rejects.toThrow();
    expect(readdirSync(blocked)).toEqual(['summary.json']);
  });

  it('a shard whose summary is damaged: merge says how to rebuild it, and merges once it is', async () => {
    const exp = join(ROOT, 'experiments/quickstart.json');
    const shards = ['1/2', '2/2'].map((s, i) => join(work, `s${i + 1}`));
    for (const [i, dir] of shards.entries()) {
      const r = await cli(['run', exp, '--engine', 'cpu', '--trajectories', '60', '--steps', '100', '--shard', `${i + 1}/2`, '--out', dir, '--no-report', '--json']);
      expect(r.code, r.err).toBe(0);
    }
    const sf = join(shards[1]!, 'summary.json');
    writeFileSync(sf, readFileSync(sf, 'utf8').slice(0, 100));
    const refused = await cli(['merge', ...shards, '--out', join(work, 'm'), '--no-report', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(`stdp-mc: ${sf} is corrupted (not valid JSON); the shard was not merged (stdp-mc report ${shards[1]} rebuilds it from the shard's state)\n`);
    expect(existsSync(join(work, 'm', 'summary.json'))).toBe(false);
    expect((await cli(['report', shards[1]!, '--no-report', '--json'])).code).toBe(0);
    // merged into one of its own shards (even with --force): refused before anything is written, the shard kept
    const before = readFileSync(join(shards[0]!, 'state.jsonl'), 'utf8');
    const into = await cli(['merge', ...shards, '--out', `${shards[0]}/`, '--force', '--no-report', '--json']);
    expect(into.code).toBe(2);
    expect(into.err).toMatch(/merge --out .* is one of the shards it merges .*: choose another --out/);
    expect(readFileSync(join(shards[0]!, 'state.jsonl'), 'utf8')).toBe(before);
    const link = join(work, 's1-link');
    symlinkSync(shards[0]!, link);
    const viaLink = await cli(['merge', ...shards, '--out', link, '--force', '--no-report', '--json']);
    expect(viaLink.code).toBe(2);
    expect(viaLink.err).toMatch(/is one of the shards it merges/);
    expect(readFileSync(join(shards[0]!, 'state.jsonl'), 'utf8')).toBe(before);
    const merged = await cli(['merge', ...shards, '--out', join(work, 'm'), '--no-report', '--json']);
    expect(merged.code, merged.err).toBe(0);
    expect(JSON.parse(merged.out).final.trajectories).toBe(60);
  });

  it('report refuses a complete state log with a batch line removed whole (each line\'s checksum holds)', async () => {
    const dir = join(work, 'whole');
    expect((await cli(['run', join(ROOT, 'experiments/quickstart.json'), '--engine', 'cpu', '--trajectories', '60', '--steps', '100', '--out', dir, '--no-report', '--json'])).code).toBe(0);
    const file = join(dir, 'state.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    const k = lines.findIndex((l) => l.includes('"batch":3,'));
    expect(k).toBeGreaterThan(0);
    writeFileSync(file, [...lines.slice(0, k), ...lines.slice(k + 1)].join('\n'));
    const r = await cli(['report', dir, '--no-report', '--json']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`stdp-mc: ${file} is marked complete but batch 3 of grid point 0 is missing; the report was not rebuilt\n`);
  });
});
