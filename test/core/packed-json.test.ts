/**
 * A state line's JSON with the packers' base64 blocks written in as they are (src/core/packed-floats.ts jsonText,
 * src/run/state.ts stateLineBytes): the same text as JSON.stringify, and the same bytes as the line written as one string.
 */
import { describe, expect, it } from 'vitest';
import { jsonText, packFloats } from '../../src/core/packed-floats.ts';
import { packCheckpoints } from '../../src/stats/checkpoint-pack.ts';
import { accumulateTrajectory, emptyAccumulator } from '../../src/stats/checkpoint-stats.ts';
import { loadFsModules, stateLine, stateLineBytes } from '../../src/run/state.ts';

await loadFsModules();

function record(): Record<string, unknown> {
  const acc = [emptyAccumulator(0, 3), emptyAccumulator(5, 3)];
  for (let t = 0; t < 9; t++) accumulateTrajectory(acc[1]!, 0, -1 - t, Math.exp(-1 - t), t % 3, [0.5, 0.3, 0.2]);
  const paths = Array.from({ length: 40 }, (_, i) => Array.from({ length: 50 }, (_, k) => [i / 7, k / 3, NaN]));
  return {
    kind: 'batch', point: 1, range: [0, 9], label: 'α = 0.05 "quoted" \\ back',
    stats: { ...packCheckpoints(acc)!, paths: packFloats(paths), skipped: undefined, f: () => 1 },
    when: new Date(0), list: [packFloats([[[1, 2]]]), undefined], nested: { deeper: { p: packFloats([[[3, 4]]]) } },
    empty: {}, none: Object.assign(Object.create(null), { a: 1 }), seconds: 0.25,
  };
}

describe('state lines with packed blocks', () => {
  it('jsonText is JSON.stringify, for plain data and for the packers\' objects however they are nested', () => {
    const r = record();
    expect(jsonText(r)).toBe(JSON.stringify(r));
    for (const v of [undefined, null, 1, 'x', [1, undefined], {}, { a: undefined }, r.stats, r.nested]) expect(jsonText(v)).toBe(JSON.stringify(v));
  });

  it('a block changed after packing is written the ordinary way (escaped as JSON.stringify escapes it)', () => {
    const p = packFloats([[[1, 2]]]) as { float64: string };
    p.float64 = 'not "base64"\n';
    expect(jsonText({ p })).toBe(JSON.stringify({ p }));
  });

  it('stateLineBytes are the bytes of stateLine (UTF-8, the checksum of the same text)', () => {
    const r = record();
    const bytes = Buffer.concat(stateLineBytes(r));
    expect(bytes.equals(Buffer.from(stateLine(r), 'utf8'))).toBe(true);
    const plain = { kind: 'header', name: 'ünïcode ✓' };
    expect(Buffer.concat(stateLineBytes(plain)).equals(Buffer.from(stateLine(plain), 'utf8'))).toBe(true);
  });
});
