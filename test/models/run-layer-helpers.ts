/**
 * What the models' run-layer tests (test/models/<name>/run-layer.test.ts) share: a batch's statistics through the
 * state log's JSON form, a state log as the CLI writes it for a run's batch records, and engine factories for the
 * run layer's `selectEngine` that fail once (a lost device, to be retried) or corrupt what they return.
 */
import type { EngineInfo } from '../../src/engines/types.ts';
import { batchesOfState, experimentOfState, mergeShardStates, runFromState } from '../../src/run/merge.ts';
import type { EnsembleModel, ModelExperiment, Shard } from '../../src/run/model.ts';
import type { BatchRecord, RunProgress } from '../../src/run/run-ensemble.ts';
import {
  STATE_FORMAT, completeLine, headerLine, loadFsModules, recordBytes, stateFromText, type RunState,
} from '../../src/run/state.ts';

/** Statistics through JSON as the state log stores them (statsToJSON, JSON text, statsFromJSON). */
export function viaJson<B>(model: EnsembleModel<any, B>, stats: B): B {
  return model.statsFromJSON(JSON.parse(JSON.stringify(model.statsToJSON(stats))));
}

export interface StateLogOptions {
  /** The experiment file the state was made from, and its name and seed. */
  experiment: { name: string };
  seed: number | string;
  shard: Shard | null;
  /** Where the state was read from, for messages (default "state.jsonl"). */
  where?: string;
  engineInfo?: EngineInfo & { reason?: string };
}

/** Records as the state log writes them (recordBytes, each one's blocks after the last one's): their lines, and the blocks file. */
export function logOf(records: object[]): { lines: string; blocks: Buffer } {
  const blocks: Uint8Array[] = [];
  let at = 0;
  const lines = records.map((r) => {
    const b = recordBytes(r, at);
    blocks.push(...b.blocks);
    at += b.blockBytes;
    return Buffer.from(b.line).toString('utf8');
  });
  return { lines: lines.join(''), blocks: Buffer.concat(blocks) };
}

/**
 * A state log as the CLI writes it (header, one checksummed line per batch with its blocks in the blocks file, the
 * completion mark), read back.
 */
export async function stateLog<B>(model: EnsembleModel<any, B>, records: BatchRecord<B>[], o: StateLogOptions): Promise<RunState> {
  await loadFsModules();
  const header = headerLine({
    format: STATE_FORMAT, experimentHash: 'h', source: { experiment: o.experiment, overrides: {} }, model: model.model,
    name: o.experiment.name, seed: o.seed, version: '0', gitCommit: 'c', engine: 'cpu', shard: o.shard,
    engineInfo: o.engineInfo ?? { name: 'cpu', runtime: 'node', precision: 'f64', reason: 'requested' }, createdAt: '',
  });
  const log = logOf(records.map((r) => ({ kind: 'batch', ...r, stats: model.statsToJSON(r.stats) })));
  return stateFromText(header + log.lines + completeLine(''), o.where ?? 'state.jsonl', log.blocks);
}

/** Run with `onBatch` and `onProgress` recording: the result, its batch records and the last progress report. */
export async function recordedRun<B, R>(
  run: (o: { onBatch: (b: BatchRecord<B>) => void; onProgress: (p: RunProgress) => void }) => Promise<R>,
): Promise<{ result: R; records: BatchRecord<B>[]; progress: RunProgress | null }> {
  const records: BatchRecord<B>[] = [];
  let progress: RunProgress | null = null;
  const result = await run({ onBatch: (b) => { records.push(b); }, onProgress: (p) => { progress = p; } });
  return { result, records, progress };
}

/** The first k batch records as a resumed run gets them from the state log (statistics through JSON). */
export function firstRecords<B>(model: EnsembleModel<any, B>, records: BatchRecord<B>[], k: number): BatchRecord<B>[] {
  return records.slice(0, k).map((b) => ({ ...b, stats: viaJson(model, b.stats) }));
}

/** Run shards 1/3, 2/3, 3/3 one after the other: each one's index, result and batch records (in finishing order). */
export async function runShards<B, R>(
  run: (o: { shard: Shard; onBatch: (b: BatchRecord<B>) => void }) => Promise<R>,
): Promise<{ index: number; result: R; records: BatchRecord<B>[] }[]> {
  const out: { index: number; result: R; records: BatchRecord<B>[] }[] = [];
  for (const index of [1, 2, 3]) {
    const records: BatchRecord<B>[] = [];
    out.push({ index, result: await run({ shard: { index, count: 3 }, onBatch: (b) => { records.push(b); } }), records });
  }
  return out;
}

/**
 * The result `stdp-mc merge` gives for the state logs of shards 1/n..n/n of `exp` (their batches checked and merged
 * in batch order); with `reparse`, the experiment is parsed again from the merged state, as `stdp-mc report` does.
 */
export function mergedResult<X extends ModelExperiment, R>(model: EnsembleModel<X, any, any, R>, states: RunState[], exp: X, reparse = false): R {
  const merged = mergeShardStates(states.map((state, i) => ({ dir: `d${i + 1}`, state })), exp);
  const x = reparse ? (experimentOfState(model, merged) as X) : exp;
  return model.result(runFromState(model, merged, x, batchesOfState(model, merged, x, 'merged')));
}

/** An engine as the run layer holds it: its info and a run over a copy range. */
export interface TestEngine {
  info: EngineInfo;
  run(s: any, o?: any): Promise<any>;
}

/**
 * A `selectEngine` whose first engine throws, as a lost device would, on the batch that starts at copy `failAt`;
 * `counts` tells how many engines were created and how many runs failed.
 */
export function flakyEngines<E extends TestEngine>(make: () => E, failAt: number) {
  const counts = { created: 0, failures: 0 };
  const select = async () => {
    const inner = make(), first = ++counts.created === 1;
    const engine = {
      info: inner.info,
      run: async (s: any, o?: any) => {
        if (first && o?.trajectoryRange?.[0] === failAt) { counts.failures++; throw new Error('device lost'); }
        return inner.run(s, o);
      },
    } as E;
    return { engine, reason: 'requested' };
  };
  return { select, counts };
}

/** A `selectEngine` whose engines pass every result through `edit` (a corrupted batch); `counts.runs` counts the runs. */
export function editedEngines<E extends TestEngine>(make: () => E, edit: (result: any, options: any) => void) {
  const counts = { runs: 0 };
  const select = async () => {
    const inner = make();
    const engine = {
      info: inner.info,
      run: async (s: any, o?: any) => {
        counts.runs++;
        const r = await inner.run(s, o);
        edit(r, o);
        return r;
      },
    } as E;
    return { engine, reason: 'test' };
  };
  return { select, counts };
}
