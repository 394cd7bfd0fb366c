// Run a CommonJS script through V8's code cache: the first run of a command compiles the script's functions as it
// reaches them and, on exit, writes their bytecode beside the script; later runs of that command load the bytecode
// instead of parsing and compiling again (what Node 22's module.enableCompileCache does for ES modules; Node 20 has
// only vm.Script's cachedData, and only for scripts). A later run that reaches functions the cache lacks (another
// model, a sweep, kept paths) writes it again with them. A cache is per command (run, merge, …: each reaches its own
// functions), per Node version and architecture, and lives in the bundle's own folder, which is named by the sources:
// a changed source means a new folder, so a cache never meets another script of the same length (V8 checks little
// more than the length and its own version and flags, and rejects what does not match: the cache is then rewritten).
// V8 does not check the bytes themselves (a damaged cache crashes the process), so the file starts with the SHA-256
// of the rest, and a cache whose bytes do not match it is not used (and is rewritten).
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';

/** The command's name for its cache: the first argument where it is a plain word, else "other". */
export function commandOf(argv) {
  return /^[a-z][a-z0-9-]{0,31}$/.test(argv[0] ?? '') ? argv[0] : 'other';
}

/**
 * The exports of the CommonJS script `file`, run in this context with its code cache for `command` (written at exit
 * where there was none, or it was damaged, or V8 rejected it, or this run compiled more of the script), and what
 * became of the cache: 'used', 'none', 'damaged' (its bytes did not match their SHA-256) or 'rejected' (by V8).
 * `importer` does the script's import() of ES-only packages (vega): a script run from a code cache cannot call import()
 * itself in Node 20 (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
 */
export function runWithCodeCache(file, command, importer) {
  const cacheFile = `${file}.${command}.${process.version}-${process.arch}.v8cache`;
  const { data: cachedData, state } = readCache(cacheFile);
  // The wrapper is Node's CommonJS one, plus the importer; a leading #! line is blanked (same length).
  const source = readFileSync(file, 'utf8').replace(/^#!.*/, (l) => '//'.padEnd(l.length));
  const wrapped = `(function (exports, require, module, __filename, __dirname, __stdpMcImport) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file), importer);
  if (isMainThread) {
    // V8's bytecode in this process after the script's top level: where a used cache held every function the run
    // reached, it is no larger at exit (it shrank by 30 kB over a run of experiments/fig2-simplex.json), and the
    // cache is left as it is without serialising it again (10 ms for 1 MB).
    const bytecode = () => v8.getHeapCodeStatistics().bytecode_and_metadata_size;
    const loaded = bytecode();
    process.once('exit', () => {
      const used = cachedData && !script.cachedDataRejected;
      if (used && bytecode() <= loaded) return;
      // Written whole beside the cache and renamed into place: a reader sees the old file, the new one or none.
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        const data = script.createCachedData();
        // A used cache is rewritten when this run compiled functions it lacked, so that it grows towards every path
        // the command takes: it holds what the run that wrote it reached (one model's run wrote 961 kB; the first run
        // of experiments/fig2-simplex.json after it added 130 kB, which every later such run compiled again).
        if (used && data.length <= cachedData.length * GROWN) return;
        writeFileSync(tmp, Buffer.concat([sha256(data), data]));
        renameSync(tmp, cacheFile);
      } catch {
        // a cache that cannot be written only costs the next run the compilation
        try { rmSync(tmp, { force: true }); } catch { /* nothing to remove */ }
      }
    });
  }
  return { exports: module.exports, cache: cachedData ? (script.cachedDataRejected ? 'rejected' : 'used') : state };
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest();

/** A used cache is rewritten when the bytecode at exit is this much larger (1 %: more than a few new functions). */
const GROWN = 1.01;

/** The cache's bytes where the file exists and they match the SHA-256 it starts with. */
function readCache(file) {
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch {
    return { data: undefined, state: 'none' };
  }
  const data = bytes.subarray(32);
  return bytes.length > 32 && sha256(data).equals(bytes.subarray(0, 32)) ? { data, state: 'used' } : { data: undefined, state: 'damaged' };
}
