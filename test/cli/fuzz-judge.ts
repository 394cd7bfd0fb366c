/**
 * What a fuzz case must do (test/cli/fuzz.test.ts): exit 2; one line on stderr, after "stdp-mc: ", matching the case's
 * `expect` (the field or flag and its rule), and no stack trace or "internal error"; for a flag error, at most a second
 * line, the usage hint; under 10 s and 500 MB of memory; no file left in its folder or at its --out path.
 */
import type { FuzzCase } from './fuzz-cases.ts';
import type { FuzzResult } from './fuzz-runner.ts';

export const MAX_MS = 10_000;
export const MAX_RSS_MB = 500;

/** The case's faults in words; empty when it behaved. */
export function faults(c: FuzzCase, r: FuzzResult): string[] {
  const f: string[] = [];
  if (r.code !== 2) f.push(`exit ${r.code}, expected 2${r.error ? `: ${r.error.split('\n')[0]}` : ''}`);
  const [first = '', ...rest] = r.stderr;
  const hint = c.flag && rest.length === 1 && /--help shows the usage$/.test(rest[0]!);
  if (rest.length && !hint) f.push(`${r.stderr.length} lines on stderr, expected 1${c.flag ? ' (and the usage hint)' : ''}`);
  if (!first.startsWith('stdp-mc: ')) f.push('stderr does not start with "stdp-mc: "');
  const line = first.replace(/^stdp-mc: /, '');
  if (!c.expect.test(line)) f.push(`stderr line does not match ${c.expect}`);
  if (/internal error|\n\s+at |^\s+at /.test(r.stderr.join('\n'))) f.push('a stack trace or an internal error');
  if (line.length > 400) f.push(`the line is ${line.length} characters long`);
  if (r.ms > MAX_MS) f.push(`took ${r.ms} ms`);
  if (r.maxRssMB > MAX_RSS_MB) f.push(`peak memory ${r.maxRssMB} MB`);
  if (r.leftovers.length) f.push(`left ${r.leftovers.slice(0, 5).join(', ')}`);
  return f;
}
