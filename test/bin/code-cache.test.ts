/**
 * The command line's code cache (bin/code-cache.mjs, used by bin/cli-bundle.mjs): a script's second run loads the
 * bytecode its first run wrote, a damaged or foreign cache is never handed to V8 (a damaged one crashes the process)
 * and is rewritten, import() of an ES module goes through the host's importer, and the CLI runs from main.cjs with the
 * numbers of the ES module bundle.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CODE_CACHE = join(ROOT, 'bin/code-cache.mjs');

/**
 * A script with some functions, a require, and an import() through the host (as main.cjs has); `other` reaches
 * functions `run` does not (as another model's run reaches other parts of main.cjs).
 */
const SCRIPT = `#!/usr/bin/env node
"use strict";
const os = require("node:os");
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
exports.run = async () => {
  const { pathToFileURL } = await __stdpMcImport("node:url");
  return [fib(20), typeof os.cpus, pathToFileURL("/x").href].join(" ");
};
function collatz(n) { let k = 0; while (n !== 1) { n = n % 2 ? 3 * n + 1 : n / 2; k++; } return k; }
function longest(m) { let best = 0, at = 1; for (let i = 1; i < m; i++) { const k = collatz(i); if (k > best) { best = k; at = i; } } return [at, best]; }
exports.other = async () => longest(1000).join(" ");
`;

/** One process: run the script through its code cache and print what became of the cache and the script's answer. */
function runOnce(dir: string, entry: 'run' | 'other' = 'run'): { cache: string; answer: string } {
  const child = `
    const { runWithCodeCache } = await import(${JSON.stringify(CODE_CACHE)});
    const r = runWithCodeCache(${JSON.stringify(join(dir, 'main.cjs'))}, 'run', (s) => import(s));
    console.log(JSON.stringify({ cache: r.cache, answer: await r.exports.${entry}() }));`;
  const p = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' });
  expect(p.status, p.stderr).toBe(0);
  return JSON.parse(p.stdout.trim());
}

const cacheFile = (dir: string) => join(dir, readdirSync(dir).find((f) => f.endsWith('.v8cache'))!);

describe('the code cache', () => {
  it('is written by the first run, used by the next; a damaged or foreign one is not used, and is rewritten', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stdp-mc-code-cache-'));
    writeFileSync(join(dir, 'main.cjs'), SCRIPT);
    const answer = '6765 function file:///x';
    expect(runOnce(dir)).toEqual({ cache: 'none', answer });
    expect(readdirSync(dir).filter((f) => f.endsWith('.v8cache'))).toEqual([`main.cjs.run.${process.version}-${process.arch}.v8cache`]);
    expect(runOnce(dir)).toEqual({ cache: 'used', answer });

    // bytes changed in the middle: the SHA-256 in front no longer matches, so V8 never sees them
    const good = readFileSync(cacheFile(dir));
    const bad = Buffer.from(good);
    for (let i = bad.length >> 1; i < (bad.length >> 1) + 64; i++) bad[i]! ^= 0x5a;
    writeFileSync(cacheFile(dir), bad);
    expect(runOnce(dir)).toEqual({ cache: 'damaged', answer });
    expect(runOnce(dir)).toEqual({ cache: 'used', answer });

    // a whole cache of another script (its checksum intact): V8 rejects it by the source's length, and it is rewritten
    writeFileSync(join(dir, 'main.cjs'), SCRIPT.replace('fib(20)', 'fib(21) + 0'));
    expect(runOnce(dir)).toEqual({ cache: 'rejected', answer: answer.replace('6765', '10946') });
    expect(runOnce(dir)).toEqual({ cache: 'used', answer: answer.replace('6765', '10946') });
  });

  it('grows when a run reaches functions the cache lacks, and is not rewritten by a run that reaches none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stdp-mc-code-cache-grow-'));
    writeFileSync(join(dir, 'main.cjs'), SCRIPT);
    expect(runOnce(dir).cache).toBe('none');
    const first = readFileSync(cacheFile(dir));
    expect(runOnce(dir, 'other')).toEqual({ cache: 'used', answer: '871 178' });
    const grown = readFileSync(cacheFile(dir));
    expect(grown.length).toBeGreaterThan(first.length * 1.01);
    expect(runOnce(dir)).toEqual({ cache: 'used', answer: '6765 function file:///x' });
    expect(runOnce(dir, 'other')).toEqual({ cache: 'used', answer: '871 178' });
    expect(readFileSync(cacheFile(dir)).equals(grown)).toBe(true);
  });

  it('the CLI runs from main.cjs with its cache, and gives the numbers of the ES module bundle', () => {
    const out = mkdtempSync(join(tmpdir(), 'stdp-mc-code-cache-run-'));
    const run = (name: string, env: Record<string, string>) => {
      const p = spawnSync(process.execPath, [join(ROOT, 'bin/stdp-mc.js'), 'run', join(ROOT, 'experiments/quickstart.json'),
        '--engine', 'cpu', '--trajectories', '200', '--steps', '300', '--no-report', '--json', '--out', join(out, name)],
      { encoding: 'utf8', env: { ...process.env, STDP_MC_CODE_CACHE_LOG: '1', ...env } });
      expect(p.status, p.stderr).toBe(0);
      const s = JSON.parse(p.stdout);
      return { numbers: JSON.stringify({ checkpoints: s.checkpoints, final: s.final }), log: p.stderr };
    };
    // The first run of a command in a fresh bundle writes the cache (none), later ones use it: either may come first here.
    const a = run('script-1', {}), b = run('script-2', {});
    expect(a.log + b.log).toMatch(/stdp-mc: ran \S+\/main\.cjs \(code cache: used\)/);
    const esm = run('esm', { STDP_MC_NO_CODE_CACHE: '1' });
    expect(esm.log).not.toMatch(/main\.cjs/);
    expect(a.numbers).toBe(esm.numbers);
    expect(b.numbers).toBe(esm.numbers);
    expect(JSON.parse(esm.numbers).checkpoints.length).toBeGreaterThan(1);
  }, 60_000);
});
