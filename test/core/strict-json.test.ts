/**
 * Strict JSON for the files a user hands the command line: the same values as JSON.parse, but a duplicate key, nesting
 * past the limit, a file past the size limit (checked before reading) or bytes that are not UTF-8 are refused in one
 * line that says where; a 100 000-deep input never overflows the stack.
 */
import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/core/errors.ts';
import { MAX_JSON_DEPTH, MAX_JSON_FILE_BYTES, parseStrictJson, readStrictJsonFile } from '../../src/core/strict-json.ts';

/** The one issue of a refusal, as `path: message`. */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    const issues = (e as ScenarioError).issues;
    expect(issues).toHaveLength(1);
    return `${issues[0]!.path}: ${issues[0]!.message}`;
  }
  throw new Error('not refused');
}

async function fileRefusal(file: string, o?: { maxBytes?: number }): Promise<string> {
  const e = await readStrictJsonFile(file, o).then(() => null, (x) => x);
  expect(e).toBeInstanceOf(ScenarioError);
  const msg = `${e.issues[0].path}: ${e.issues[0].message}`;
  expect(msg).not.toMatch(/\n/);
  return msg;
}

describe('parseStrictJson', () => {
  it('gives exactly what JSON.parse gives for valid JSON', () => {
    const texts = [
      '0', '-0', '0.1', '1e-320', '5e-324', '1.7976931348623157e308', '1e400', '-1E+2', '123456789012345678901234567890',
      '"a\\u00e9\\n\\t\\"\\\\\\/\\ud83d\\ude00"', '"\\ud800"', 'true', 'false', 'null', '[]', '{}', ' \n\t[1, [2, [3]], {"a": {}}] ',
      '{"a":1,"b":[true,null,"x"],"c":{"d":-2.5e-3}}', '{"__proto__": {"polluted": 1}, "constructor": 2}', '{"": 1, " ": 2}',
    ];
    for (const t of texts) expect(parseStrictJson(t), t).toStrictEqual(JSON.parse(t));
    expect(Object.is(parseStrictJson('-0'), -0)).toBe(true);
    const proto = parseStrictJson('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads every shipped experiment file as JSON.parse does', () => {
    const dir = new URL('../../experiments/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(new URL(f, dir), 'utf8');
      expect(parseStrictJson(text), f).toStrictEqual(JSON.parse(text));
    }
  });

  it('refuses a duplicate key, naming its path', () => {
    expect(refusal(() => parseStrictJson('{"name":"x","scenario":{"rates":[1],\n "rates":[2]}}'))).toBe('scenario.rates: duplicate key (line 2, column 2)');
    expect(refusal(() => parseStrictJson('{"a":[{"b":1},{"b":1,"b":2}]}', { source: 'e.json' }))).toBe('a[1].b: duplicate key (line 1, column 22 of e.json)');
    expect(refusal(() => parseStrictJson('{"a":1,"a":1}'))).toBe('a: duplicate key (line 1, column 8)');
  });

  it('refuses nesting past the limit in one line, however deep (no recursion)', () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const msg = refusal(() => parseStrictJson(deep));
    expect(msg).toBe('[0][0][0][0][0][0][0][0][0][0][0][0]…: nesting deeper than 64 levels of arrays and objects (line 1, column 65)');
    expect(refusal(() => parseStrictJson('{"a":'.repeat(100_000)))).toMatch(/^a\.a\.a.*…: nesting deeper than 64 levels/);
    const ok = '['.repeat(64) + ']'.repeat(64);
    expect(parseStrictJson(ok)).toStrictEqual(JSON.parse(ok));
    expect(refusal(() => parseStrictJson('[[[1]]]', { maxDepth: 2 }))).toMatch(/^\[0\]\[0\]: nesting deeper than 2 levels/);
  });

  it('refuses broken JSON with the place and what was found', () => {
    expect(refusal(() => parseStrictJson(''))).toBe('(root): unexpected end of the text: a value is missing (line 1, column 1)');
    expect(refusal(() => parseStrictJson('{"a":1,}'))).toBe("(root): expected a key in double quotes, found '}' (line 1, column 8)");
    expect(refusal(() => parseStrictJson('[1,2'))).toBe("[1]: expected ',' or ']', found the end of the text (line 1, column 5)");
    expect(refusal(() => parseStrictJson('{"a" 1}'))).toBe("a: expected ':' after the key, found '1' (line 1, column 6)");
    expect(refusal(() => parseStrictJson('{"a": tru}'))).toBe("a: unexpected 't': expected a value (line 1, column 7)");
    expect(refusal(() => parseStrictJson('{"a": 01}'))).toBe("a: expected ',' or '}', found '1' (line 1, column 8)");
    expect(refusal(() => parseStrictJson('{"a": NaN}'))).toBe("a: unexpected 'N': expected a value (line 1, column 7)");
    expect(refusal(() => parseStrictJson('"abc'))).toBe('(root): unterminated string (line 1, column 1)');
    expect(refusal(() => parseStrictJson('"a\tb"'))).toBe('(root): unescaped character U+0009 inside a string (line 1, column 3)');
    expect(refusal(() => parseStrictJson('"\\x"'))).toBe('(root): invalid escape sequence in a string (line 1, column 1)');
    expect(refusal(() => parseStrictJson('{} {}'))).toBe("(root): unexpected '{' after the end of the JSON value (line 1, column 4)");
  });
});

describe('readStrictJsonFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stdp-mc-strict-json-'));

  it('reads a file, refusing what is too large before reading it', async () => {
    expect(MAX_JSON_FILE_BYTES).toBe(16_000_000);
    const f = join(dir, 'a.json');
    writeFileSync(f, '{"a": [1, 2.5, "x"]}');
    expect(await readStrictJsonFile(f)).toStrictEqual({ a: [1, 2.5, 'x'] });
    expect(await fileRefusal(f, { maxBytes: 10 })).toBe(`${f}: is 20 bytes, larger than the limit of 10 bytes for a JSON file`);
    // A sparse file of 17 MB: refused from its size alone (reading it would take the time and memory).
    const big = join(dir, 'big.json');
    writeFileSync(big, '');
    truncateSync(big, 17_000_000);
    expect(await fileRefusal(big)).toBe(`${big}: is 17 MB (17000000 bytes), larger than the limit of 16 MB for a JSON file`);
  });

  it('reads a special file only up to the limit', async () => {
    expect(await fileRefusal('/dev/zero', { maxBytes: 1000 })).toBe('/dev/zero: holds more than the limit of 1000 bytes for a JSON file');
  });

  it('names the path and the operation of an I/O error; refuses a folder and bytes that are not UTF-8', async () => {
    expect(await fileRefusal(join(dir, 'missing.json'))).toBe(`${join(dir, 'missing.json')}: cannot stat the file (ENOENT: no such file or directory)`);
    expect(await fileRefusal(dir)).toBe(`${dir}: is a folder, not a JSON file`);
    const latin1 = join(dir, 'latin1.json');
    writeFileSync(latin1, Buffer.from([0x22, 0xe9, 0x22]));
    expect(await fileRefusal(latin1)).toBe(`${latin1}: is not UTF-8 text`);
    const dup = join(dir, 'dup.json');
    writeFileSync(dup, '{"name": "a", "name": "b"}');
    expect(await fileRefusal(dup)).toBe(`name: duplicate key (line 1, column 15 of ${dup})`);
  });
});
