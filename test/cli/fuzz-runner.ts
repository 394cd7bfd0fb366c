/**
 * Runs a share of the fuzz cases (test/cli/fuzz-cases.ts) in this one process through the command line's in-process
 * entry runCli: each in a fresh empty working folder, with console and stdout/stderr captured, timed, with the
 * process's peak memory (maxRSS) after it, and the files it left behind. Prints one JSON line per case on stdout as it
 * finishes (so a case that hangs or kills the process is known by the first one missing):
 *
 *   node --expose-gc --import tsx test/cli/fuzz-runner.ts <group> <groups> [<first>]
 *
 * runs the cases i of allCases() with i mod groups = group, from the first-th of them on (after a case killed the
 * process, the driver starts a new one after it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allCases, type FuzzCase } from './fuzz-cases.ts';

export interface FuzzResult {
  id: string;
  code: number | 'timeout' | 'threw';
  stderr: string[];
  stdout: string;
  ms: number;
  maxRssMB: number;
  /** Files in the case's folder (or at its --out path) that were not there before it ran. */
  leftovers: string[];
  error?: string;
}

const CASE_TIMEOUT_MS = 10_000;
const isRoot = process.getuid?.() === 0;

/** Every path under `dir` (relative), without following links. */
function listing(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + e.name;
    out.push(rel);
    if (e.isDirectory()) {
      try { out.push(...listing(join(dir, e.name), rel + '/')); } catch { /* unreadable: listed itself */ }
    }
  }
  return out;
}

function prepare(c: FuzzCase, dir: string): () => void {
  if (c.file !== undefined) writeFileSync(join(dir, 'exp.json'), typeof c.file === 'function' ? c.file() : c.file);
  switch (c.setup ?? 'none') {
    case 'out-is-file':
    case 'out-under-file':
      writeFileSync(join(dir, 'afile'), 'not a folder\n');
      break;
    case 'out-dangling-link':
      symlinkSync(join(dir, 'nowhere', 'target'), join(dir, 'dangling'));
      break;
    case 'out-read-only': {
      const ro = join(dir, 'ro');
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      // root writes through permission bits: make the folder immutable instead (undone afterwards).
      if (isRoot) {
        execFileSync('chattr', ['+i', ro]);
        return () => execFileSync('chattr', ['-i', ro]);
      }
      return () => chmodSync(ro, 0o755);
    }
  }
  return () => {};
}

export async function runOne(runCli: (argv: string[]) => Promise<number>, c: FuzzCase, base: string): Promise<FuzzResult> {
  const dir = mkdtempSync(join(base, 'case-'));
  const undo = prepare(c, dir);
  const before = new Set(listing(dir));
  const out: string[] = [], err: string[] = [];
  const saved = { log: console.log, error: console.error, warn: console.warn, info: console.info, out: process.stdout.write, err: process.stderr.write };
  const fmt = (a: unknown[]) => a.map((x) => (typeof x === 'string' ? x : String(x))).join(' ');
  console.log = console.info = (...a: unknown[]) => { out.push(fmt(a) + '\n'); };
  console.error = console.warn = (...a: unknown[]) => { err.push(fmt(a) + '\n'); };
  (process.stdout as any).write = (chunk: unknown) => { out.push(String(chunk)); return true; };
  (process.stderr as any).write = (chunk: unknown) => { err.push(String(chunk)); return true; };
  const cwd = process.cwd();
  process.chdir(dir);
  const t0 = performance.now();
  let code: FuzzResult['code'];
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    code = await Promise.race([
      runCli(c.argv),
      new Promise<'timeout'>((res) => { timer = setTimeout(() => res('timeout'), CASE_TIMEOUT_MS); }),
    ]);
  } catch (e) {
    code = 'threw';
    error = (e as Error)?.stack ?? String(e);
  } finally {
    clearTimeout(timer);
    process.chdir(cwd);
    Object.assign(console, { log: saved.log, error: saved.error, warn: saved.warn, info: saved.info });
    (process.stdout as any).write = saved.out;
    (process.stderr as any).write = saved.err;
  }
  const ms = performance.now() - t0;
  undo();
  const leftovers = listing(dir).filter((f) => !before.has(f));
  const outFlag = c.argv.indexOf('--out');
  const outPath = outFlag >= 0 ? c.argv[outFlag + 1] : undefined;
  if (outPath && outPath.startsWith('/') && !before.has(outPath) && existsSafe(outPath)) leftovers.push(outPath);
  if (code !== 'timeout') rmSync(dir, { recursive: true, force: true });
  return {
    id: c.id, code, ms: Math.round(ms), error,
    stderr: err.join('').split('\n').filter((l) => l.trim() !== ''),
    stdout: out.join('').slice(0, 400),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    leftovers,
  };
}

function existsSafe(p: string): boolean {
  try { lstatSync(p); return true; } catch { return existsSync(p); }
}

export function shareOf<T>(items: T[], group: number, groups: number): T[] {
  return items.filter((_, i) => i % groups === group);
}

async function main(): Promise<void> {
  const [g = '0', n = '1', first = '0'] = process.argv.slice(2);
  const cases = shareOf(allCases(), Number(g), Number(n)).slice(Number(first));
  const { runCli } = await import('../../src/cli/main.ts');
  const base = mkdtempSync(join(tmpdir(), 'stdp-mc-fuzz-'));
  const write = process.stdout.write.bind(process.stdout);
  for (const c of cases) {
    // A large case is measured from a collected heap (its peak is then its own).
    if (typeof c.file === 'function') (globalThis as { gc?: () => void }).gc?.();
    write(JSON.stringify({ start: c.id }) + '\n');
    const r = await runOne(runCli, c, base);
    write(JSON.stringify(r) + '\n');
    if (r.code === 'timeout') break; // its work may still be running: the rest would be measured under it
  }
  rmSync(base, { recursive: true, force: true });
  write(JSON.stringify({ done: cases.length }) + '\n');
  // Engines (Dawn) can keep handles open: the results are out, so end here.
  process.exit(0);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) await main();
