/**
 * The output folder of run, merge and report: its default name, made and checked writable before any work, locked for
 * the command's whole life (src/run/out-lock.ts: one run per folder) and guarded against overwriting an earlier run.
 */
import { rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { acquireOutLock } from '../run/out-lock.ts';
import { STATE_FILE } from '../run/state.ts';
import { REPORT_MANIFEST } from '../report/summary-file.ts';
import { UsageError } from './options.ts';
import { StopScope } from './stop-signals.ts';

/** The default output folder of an experiment name: runs/<name>, with the name reduced to a safe single path part. */
export function defaultOutDir(pathMod: typeof import('node:path'), name: string, suffix = ''): string {
  const part = name.replace(/[^\w.-]+/g, '_').replace(/^\.+$/, '_');
  return pathMod.join('runs', `${part}${suffix}`);
}

/**
 * Make the output folder and check it is writable before any work: an I/O error names the path and the operation.
 * Returns the folders it made, outermost first (removeEmptyFolders takes them back after a refusal).
 */
export async function prepareOutDir(dir: string): Promise<string[]> {
  if (!dir.trim()) throw new UsageError('--out must name a folder, got ""');
  const made: string[] = [];
  try {
    // Create the missing folders one at a time from the nearest existing one (a recursive mkdir can spin forever on
    // file systems such as /proc, where a folder exists but a child cannot be made).
    const missing: string[] = [];
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
      const st = await fs.stat(d).catch(() => null);
      if (st) break;
      missing.unshift(d);
      if (path.dirname(d) === d) break;
    }
    for (const d of missing) {
      try {
        await fs.mkdir(d);
        made.push(d);
      } catch (e) {
        // Another command made it meanwhile (two runs started together into one new --out): it is not ours to remove,
        // and the lock decides which of the two runs.
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !(await fs.stat(d)).isDirectory()) throw e;
      }
    }
    const probe = path.join(dir, `.stdp-mc-write-test-${process.pid}-${Math.random().toString(36).slice(2)}`);
    await fs.writeFile(probe, '');
    await fs.rm(probe);
    return made;
  } catch (e) {
    await removeEmptyFolders(made);
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`cannot use ${dir} as the output folder (${err.code ?? 'error'}: ${err.message.replace(/^[A-Z]+: /, '')})`);
  }
}

/** Remove the folders (outermost first) that are still empty, innermost first: a refused command leaves nothing. */
export async function removeEmptyFolders(dirs: string[]): Promise<void> {
  for (const d of [...dirs].reverse()) await fs.rmdir(d).catch(() => undefined);
}

/**
 * Run a command that writes into `dir`, made by prepareOutDir (which returned `made`): when the command is refused
 * (throws) or fails before writing anything, the folders it made are removed again.
 */
export async function inNewFolders(made: string[], fn: () => Promise<number>): Promise<number> {
  let code = 1;
  try {
    code = await fn();
    return code;
  } finally {
    if (code !== 0) await removeEmptyFolders(made);
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

/** What an earlier run leaves in its folder besides the files its report lists: its state, summary and drafts. */
const RUN_OUTPUT = /^(state\.jsonl|state\.blocks|state\.json|summary\.json|summary\.json\.[0-9a-z]+\.part|report\.html)$/;

/**
 * The earlier run's files in DIR: its state, summary and report — the files its report listed as it wrote them
 * (REPORT_MANIFEST), or, for a run written before that list, each plot whose three files (NAME.svg, NAME.png,
 * NAME.vl.json) are all there. Nothing else of the folder: a user's own files stay.
 */
async function earlierRunFiles(dir: string): Promise<string[]> {
  const names = new Set((await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name));
  const old = [...names].filter((n) => RUN_OUTPUT.test(n));
  let listed: unknown = null;
  try { listed = JSON.parse(await fs.readFile(path.join(dir, REPORT_MANIFEST), 'utf8'))?.files; } catch { /* none, or unreadable */ }
  if (Array.isArray(listed)) {
    old.push(REPORT_MANIFEST, ...listed.filter((n): n is string => typeof n === 'string' && names.has(n) && path.basename(n) === n));
  } else {
    for (const n of names) {
      const plot = /^(.+)\.vl\.json$/.exec(n)?.[1];
      if (plot && names.has(`${plot}.svg`) && names.has(`${plot}.png`)) old.push(n, `${plot}.svg`, `${plot}.png`);
    }
  }
  return [...new Set(old)].filter((n) => names.has(n)).map((n) => path.join(dir, n));
}

/**
 * Refuse to write over an earlier run's files unless --force (call it while holding the folder's lock). With --force
 * it returns what removes them — the earlier run's state, summary and report, so that no old report is left beside
 * the new summary — for the caller to call once nothing can refuse the new run any more (the engine is chosen): a
 * refused command leaves the earlier run as it was.
 */
export async function guardOutDir(dir: string, force: boolean, hint: string | (() => Promise<string>)): Promise<() => void> {
  for (const f of [STATE_FILE, 'state.json', 'summary.json']) {
    if (await exists(path.join(dir, f))) {
      if (!force) throw new UsageError(`${dir} already holds a run (${f}): ${typeof hint === 'string' ? hint : await hint()}, or pass --force to overwrite it`);
      const old = await earlierRunFiles(dir);
      return () => { for (const f of old) rmSync(f, { force: true }); };
    }
  }
  return () => {};
}

/**
 * Run `fn` holding DIR's lock (DIR exists): a second command into DIR is refused at once; a stale lock is taken over
 * with `force`. The lock is released when `fn` returns or throws, on the process's exit, and on SIGINT/SIGTERM
 * (StopScope: a run in `scope.graceful` saves its batches first and returns 130/143).
 */
export async function holdOutDir(
  dir: string, o: { force: boolean; command: string }, fn: (scope: StopScope) => Promise<number>,
): Promise<number> {
  const lock = await acquireOutLock(dir, {
    command: o.command, force: o.force,
    onTakeOver: (stale) => console.error(`stdp-mc: taking over the stale lock of pid ${stale.pid} (started ${stale.startedAt}) in ${dir}`),
    onWait: (held, seconds) => console.error(`stdp-mc: ${dir} is locked by pid ${held.pid} in another pid namespace under this host name (a restarted container?); ` +
      `waiting up to ${seconds} s for its run to refresh the lock again, or for the lock to go stale`),
  });
  const scope = new StopScope(() => lock.release());
  try {
    return await fn(scope);
  } finally {
    scope.dispose();
    lock.release();
  }
}
