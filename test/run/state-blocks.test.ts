/**
 * The state log's binary blocks (src/run/state.ts): packed statistics and kept paths go raw into state.blocks, the
 * line refers to them and carries their checksum; read back they are the same bytes as the base64 of the JSON form.
 * Refused when edited or missing; a crash's tail (lines whose blocks never reached the file) is dropped like a torn
 * line, and cut on resume together with blocks no line refers to.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packFloats } from '../../src/core/packed-floats.ts';
import { packCheckpoints } from '../../src/stats/checkpoint-pack.ts';
import { accumulateTrajectory, emptyAccumulator } from '../../src/stats/checkpoint-stats.ts';
import {
  BLOCKS_FILE, STATE_FILE, STATE_FORMAT, batchLine, completeLine, headerLine, keptLog, loadFsModules, recordBytes, stateFromText, stateLine,
  type StateHeader,
} from '../../src/run/state.ts';
import { StateLog, readState } from '../../src/run/state-log.ts';
import { blocksChecksum, crc32 } from '../../src/run/state-blocks.ts';
import zlib from 'node:zlib';
import { logOf } from '../models/run-layer-helpers.ts';

await loadFsModules();

const header: StateHeader = {
  format: STATE_FORMAT, experimentHash: 'h', source: { experiment: { name: 'x' }, overrides: {} }, model: 'chain', name: 'x',
  seed: 1, version: '0', gitCommit: 'c', engine: 'cpu', shard: null, engineInfo: { name: 'cpu', runtime: 'node', precision: 'f64' }, createdAt: 't0',
};

/** A batch record with blocks nested as the packers nest them, and values JSON leaves out or writes its own way. */
function record(batch: number): Record<string, unknown> {
  const acc = [emptyAccumulator(0, 3), emptyAccumulator(5, 3)];
  for (let t = 0; t < 9; t++) accumulateTrajectory(acc[1]!, 0, -1 - t - batch, Math.exp(-1 - t), t % 3, [0.5, 0.3, 0.2]);
  const paths = Array.from({ length: 4 }, (_, i) => Array.from({ length: 5 }, (_, k) => [i / 7 + batch, k / 3, NaN]));
  return {
    kind: 'batch', point: 0, batch, range: [0, 9], label: 'α = 0.05 "quoted" \\ back',
    stats: { ...packCheckpoints(acc)!, paths: packFloats(paths), skipped: undefined, f: () => 1 },
    when: new Date(0), list: [packFloats([[[1, 2]]]), undefined], nested: { deeper: { p: packFloats([[[3, 4]]]) } },
    empty: {}, seconds: 0.25,
  };
}

/** A log's text (header, the records, the completion mark) and blocks. */
function written(records: Record<string, unknown>[]): { text: string; blocks: Buffer } {
  const log = logOf(records);
  return { text: headerLine(header) + log.lines + completeLine('t1'), blocks: log.blocks };
}

/** A record as JSON text reads it back (blocks as base64), without its kind. */
const asJson = (r: Record<string, unknown>) => { const { kind: _k, ...rest } = JSON.parse(JSON.stringify(r)); return rest; };

describe('state log blocks', () => {
  it('a record without blocks is its stateLine; one with blocks refers to them and reads back as its JSON', () => {
    const plain = { kind: 'complete', at: 'ünïcode ✓' };
    expect(Buffer.from(recordBytes(plain, 7).line).toString('utf8')).toBe(stateLine(plain));
    expect(recordBytes(plain, 7).blocks).toEqual([]);
    const r = record(0);
    const b = recordBytes(r, 0);
    // counts, moments, histograms, paths, the nested one; the one inside an array stays base64 in the line
    expect(b.blocks.length).toBe(5);
    const line = Buffer.from(b.line).toString('utf8');
    expect(line).toContain('"stats":{"counts":{"float64":{"$block":0},"shape":[2,9],"vertices":3},"moments":{"float64":{"$block":1},"shape":[2,23]}');
    expect(line).toMatch(/,"blocks":\{"at":0,"bytes":\[144,368,\d+,480,16\],"crc32":"[0-9a-f]{8}"\}\}\n$/);
    expect(b.blockBytes).toBe(b.blocks.reduce((a, x) => a + x.byteLength, 0));
    const { text, blocks } = written([r, record(1)]);
    const s = stateFromText(text, 'state.jsonl', blocks);
    expect(s.complete).toBe(true);
    expect(s.batches.map((x) => JSON.parse(JSON.stringify(x)))).toEqual([asJson(r), asJson(record(1))]);
    // the same records written the older way (base64 inside the line, no blocks file) read the same
    const inline = stateFromText(headerLine(header) + batchLine(r as never) + batchLine(record(1) as never), 'state.jsonl');
    expect(inline.batches.map((x) => JSON.parse(JSON.stringify(x)))).toEqual(s.batches.map((x) => JSON.parse(JSON.stringify(x))));
    // a log of the format before the blocks file still reads
    expect(stateFromText(headerLine({ ...header, format: 'stdp-mc-state/2' }), 'state.jsonl').format).toBe('stdp-mc-state/2');
    expect(() => stateFromText(headerLine({ ...header, format: 'stdp-mc-state/1' }), 'state.jsonl')).toThrow(/has format "stdp-mc-state\/1"/);
  });

  it('refuses blocks that were edited or are missing, and drops a crash\'s tail', () => {
    const { text, blocks } = written([record(0), record(1)]);
    const edited = Buffer.from(blocks);
    edited[edited.length - 3]! ^= 1;
    expect(() => stateFromText(text, 'state.jsonl', edited)).toThrow(/line 3: its blocks in state\.blocks do not match their checksum/);
    expect(() => stateFromText(text, 'state.jsonl', null)).toThrow(/line 2 keeps its statistics in state\.blocks, which is missing/);
    // The second batch's blocks never reached the file: it and the completion mark after it are dropped.
    const cut = blocks.subarray(0, blocks.length - 1);
    const s = stateFromText(text, 'state.jsonl', cut);
    expect(s.batches.map((x) => x.batch)).toEqual([0]);
    expect(s.complete).toBe(false);
    const lines = text.split('\n');
    expect(keptLog(text, cut.length)).toEqual({ chars: lines[0]!.length + lines[1]!.length + 2, blocksEnd: recordBytes(record(0), 0).blockBytes });
    expect(keptLog(text, blocks.length)).toEqual({ chars: text.length, blocksEnd: blocks.length });
    // a line whose blocks are missing before one whose blocks are there is not a crash's tail
    const swapped = lines[0] + '\n' + lines[2] + '\n' + lines[1] + '\n';
    const firstOnly = Buffer.concat(recordBytes(record(0), 0).blocks);
    expect(() => stateFromText(swapped, 'state.jsonl', firstOnly)).toThrow(/line 2: its blocks are not in state\.blocks, but those of line 3 are/);
  });

  it('their checksum is zlib\'s CRC-32, with or without zlib.crc32', () => {
    expect(crc32(Buffer.from('123456789')).toString(16)).toBe('cbf43926'); // the CRC-32 check value
    const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 24);
    const parts = [bytes.subarray(0, 17), bytes.subarray(17, 4096), bytes.subarray(4096)];
    const native = (zlib as { crc32?: (b: Uint8Array, prev: number) => number }).crc32;
    expect(blocksChecksum(parts, null)).toBe(crc32(bytes).toString(16).padStart(8, '0'));
    if (native) {
      expect(crc32(bytes)).toBe(native(bytes, 0));
      expect(blocksChecksum(parts, native)).toBe(blocksChecksum(parts, null));
    }
    expect(blocksChecksum([], null)).toBe('00000000');
  });

  const dirs: string[] = [];
  afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

  it('a log on disk: appended, read back, reopened after a kill (torn line, blocks without their line) and continued', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stdp-blocks-'));
    dirs.push(dir);
    writeFileSync(join(dir, BLOCKS_FILE), 'an earlier run\'s blocks');
    const log = StateLog.create(dir, header);
    log.appendRecord(record(0));
    log.appendRecord(record(1));
    await log.finish();
    const size = statSync(join(dir, BLOCKS_FILE)).size;
    expect(size).toBe(recordBytes(record(0), 0).blockBytes + recordBytes(record(1), 0).blockBytes);
    const s = await readState(dir);
    expect(s.batches.map((x) => JSON.parse(JSON.stringify(x)))).toEqual([asJson(record(0)), asJson(record(1))]);
    // A kill during the third batch's append: its blocks are written, its line torn.
    const third = recordBytes(record(2), size);
    appendFileSync(join(dir, BLOCKS_FILE), Buffer.concat(third.blocks));
    appendFileSync(join(dir, STATE_FILE), Buffer.from(third.line).subarray(0, 100));
    expect((await readState(dir)).batches.length).toBe(2);
    const again = StateLog.reopen(dir);
    expect(statSync(join(dir, BLOCKS_FILE)).size).toBe(size);
    again.appendRecord(record(2));
    again.append(completeLine('t2'));
    await again.finish();
    const back = await readState(dir);
    expect(back.complete).toBe(true);
    expect(back.batches.map((x) => JSON.parse(JSON.stringify(x)))).toEqual([0, 1, 2].map((b) => asJson(record(b))));
    // the blocks file cut short (a crash before it reached the disk): the tail goes, and reopening cuts the lines too
    truncateSync(join(dir, BLOCKS_FILE), size + 10);
    expect((await readState(dir)).batches.length).toBe(2);
    StateLog.reopen(dir).close();
    expect(readFileSync(join(dir, STATE_FILE), 'utf8').split('\n').length).toBe(4);
    expect(statSync(join(dir, BLOCKS_FILE)).size).toBe(size);
  });
});
