/**
 * A typed seed reads the same on the command line (--seed) and on the page (seed fields, ?seed=): the page's run and
 * the command it shows use one seed. Before, the page read "1e3" as the string seed "1e3" and the CLI as 1000.
 */
import { describe, expect, it } from 'vitest';
import { seedFromText } from '../../src/core/seed-text.ts';
import { seedToKey } from '../../src/core/seed.ts';
import { seedArg } from '../../src/cli/options.ts';

describe('seed text', () => {
  it('number-like text is a number, anything else a string, empty none; the CLI flag reads it so', () => {
    const cases: [string, number | string | undefined][] = [
      ['20251', 20251], [' 7 ', 7], ['1e3', 1000], ['+5', 5], ['-3', -3], ['2.5', 2.5], ['abc', 'abc'], ['0x10', '0x10'], ['', undefined], ['  ', undefined],
    ];
    for (const [text, want] of cases) {
      expect(seedFromText(text), text).toBe(want);
      if (want !== undefined) expect(seedArg(text), text).toBe(want);
    }
    // "1e3" and 1000 are one seed: the same Philox key
    expect(seedToKey(seedFromText('1e3')!)).toEqual(seedToKey(1000));
  });
});
