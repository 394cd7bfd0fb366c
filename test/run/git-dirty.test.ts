/**
 * Uncommitted changes in the working tree (provenance.gitDirty) across a run's processes: the state log's header
 * records them when the run starts; a resume, a merge of shards and a report rebuilt from the log say gitDirty: true
 * where any of the trees had them (the batches may then come from different code of one commit), false only where all
 * were clean, and null (unknown) for a log written before the header recorded it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliInProcess } from '../cli/cli-in-process.ts';
import { combinedDirty, type RunState } from '../../src/run/state.ts';
import { readState, writeState } from '../../src/run/state-log.ts';
import { mergeShardStates } from '../../src/run/merge.ts';
import { chainModel } from '../../src/models/chain/definition.ts';
import { codeIdentity } from '../../src/core/provenance.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXP = join(ROOT, 'experiments/quickstart.json');
const SMALL = ['--engine', 'cpu', '--trajectories', '60', '--steps', '100', '--no-report', '--json'];
const work = mkdtempSync(join(tmpdir(), 'stdp-mc-git-dirty-'));
afterEach(() => vi.restoreAllMocks());

const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));

describe('gitDirty across resume, merge and report', () => {
  it('combines two trees: true if either had changes, false if both were clean, else unknown', () => {
    expect(combinedDirty(true, false)).toBe(true);
    expect(combinedDirty(false, true)).toBe(true);
    expect(combinedDirty(undefined, true)).toBe(true);
    expect(combinedDirty(false, false)).toBe(false);
    expect(combinedDirty(undefined, false)).toBe(null);
    expect(combinedDirty(null, false)).toBe(null);
  });

  it('a run records its tree in the state header; a resume of a run started in a changed tree says so', async () => {
    const dir = join(work, 'resumed');
    const r = await cliInProcess(['run', EXP, ...SMALL, '--out', dir]);
    expect(r.code, r.err).toBe(0);
    const state = await readState(dir);
    const now = (await codeIdentity()).gitDirty;
    expect(state.gitDirty).toBe(now);
    expect(summaryOf(dir).provenance.gitDirty).toBe(now);
    // The same run as if started in a tree with uncommitted changes and killed after its first batches.
    const cut: RunState = { ...state, gitDirty: true, complete: false, batches: state.batches.slice(0, 4) };
    writeState(dir, cut);
    const again = await cliInProcess(['run', EXP, ...SMALL, '--resume', dir]);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/note: the working tree had uncommitted changes when the run started.*may come from different code/);
    expect(summaryOf(dir).provenance.gitDirty).toBe(true);
    // report rebuilds the summary from the log: the header's tree, and the counts are those of the whole run
    const rep = await cliInProcess(['report', dir, '--no-report', '--json']);
    expect(rep.code, rep.err).toBe(0);
    expect(summaryOf(dir).provenance.gitDirty).toBe(true);
    expect(summaryOf(dir).final.trajectories).toBe(60);
  });

  it('a batch appended from a changed tree marks the log (a resume\'s tree), which report and merge then say', async () => {
    const dir = join(work, 'dirty-batch');
    const r = await cliInProcess(['run', EXP, ...SMALL, '--out', dir]);
    expect(r.code, r.err).toBe(0);
    const state = await readState(dir);
    // a clean start, and one batch appended by a resume in a tree with uncommitted changes
    const batches = state.batches.map((b, j) => (j === 4 ? { ...b, gitDirty: true } : b));
    writeState(dir, { ...state, gitDirty: false, batches });
    const back = await readState(dir);
    expect(back.gitDirty).toBe(true);
    expect(back.batches[4]).toEqual(state.batches[4]); // the mark is the log's, not the batch's statistics
    const rep = await cliInProcess(['report', dir, '--no-report', '--json']);
    expect(rep.code, rep.err).toBe(0);
    expect(summaryOf(dir).provenance.gitDirty).toBe(true);
    // a finished run resumed runs no batch: its summary is the log's (not this tree's)
    writeState(dir, { ...state, gitDirty: false });
    const again = await cliInProcess(['run', EXP, ...SMALL, '--resume', dir]);
    expect(again.code, again.err).toBe(0);
    expect(again.err).not.toMatch(/uncommitted/);
    expect(summaryOf(dir).provenance.gitDirty).toBe(false);
  });

  it('merged shards: changed if any shard\'s tree was, clean if all were, unknown for a shard logged without it', async () => {
    const shards = ['1/2', '2/2'].map((s, i) => join(work, `shard${i + 1}`));
    for (const [i, dir] of shards.entries()) {
      const r = await cliInProcess(['run', EXP, ...SMALL, '--shard', `${i + 1}/2`, '--out', dir]);
      expect(r.code, r.err).toBe(0);
    }
    const states = await Promise.all(shards.map(async (dir) => ({ dir, state: await readState(dir) })));
    const exp = chainModel.parse(JSON.parse(readFileSync(EXP, 'utf8')), { trajectories: 60, steps: 100 });
    const withDirty = (a: boolean | null | undefined, b: boolean | null | undefined) => mergeShardStates([
      { dir: states[0]!.dir, state: { ...states[0]!.state, gitDirty: a } },
      { dir: states[1]!.dir, state: { ...states[1]!.state, gitDirty: b } },
    ], exp).gitDirty;
    expect(withDirty(false, true)).toBe(true);
    expect(withDirty(false, false)).toBe(false);
    expect(withDirty(undefined, false)).toBe(null);
    // through the command line: one shard's header says its tree had changes
    writeState(shards[1]!, { ...states[1]!.state, gitDirty: true });
    const out = join(work, 'merged');
    const m = await cliInProcess(['merge', ...shards, '--out', out, '--no-report', '--json']);
    expect(m.code, m.err).toBe(0);
    expect(summaryOf(out).provenance.gitDirty).toBe(true);
    expect((await readState(out)).gitDirty).toBe(true);
  });
});
