/**
 * The page's number and time formats (src/app/format.ts): a time is rounded to the unit shown first and then split,
 * so no "1 min 60 s" (119.6 s) or "60 s" (59.6 s); numbers below 10⁴ keep significant digits, not three decimals.
 */
import { describe, expect, it } from 'vitest';
import { fmtNum, fmtTime } from '../../src/app/format.ts';

describe('page formats', () => {
  it('times', () => {
    expect([9.94, 9.96, 59.4, 59.6, 119.6, 125, 3599.6, 7199.9, 86400 * 3].map(fmtTime))
      .toEqual(['9.9 s', '10 s', '59 s', '1 min 0 s', '2 min 0 s', '2 min 5 s', '1 h 0 min', '2 h 0 min', '3.0 days']);
  });

  it('numbers', () => {
    expect([0.12345, 1.5, 9076.139, 123.456, 12345, 2.5e6].map((v) => fmtNum(v))).toEqual(['0.123', '1.5', '9076', '123', '12.3 k', '2.50 M']);
  });
});
