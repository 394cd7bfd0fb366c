// The Node CLI's fast start: the TypeScript sources bundled into one ES module by esbuild (tsx's own compiler),
// cached under node_modules/.cache/stdp-mc/ and rebuilt whenever a source file changes. Loading the sources one
// module at a time through tsx's loader costs about 1.5 s per start on a small machine; the bundle about 0.3 s.
//
// The bundle behaves as the sources do: every `import.meta.url` in a source file is replaced by that file's own URL,
// so files found relative to a module (shaders/, package.json, fonts) are found exactly as without the bundle.
// STDP_MC_NO_BUNDLE=1 runs the sources through tsx instead.
//
// The CLI itself runs from a second build of the same sources beside it, main.cjs: one CommonJS script, so that V8's
// code cache can keep its compiled functions between runs (bin/code-cache.mjs; Node 20 caches scripts, not ES
// modules). It saves the parsing and compiling of the code a command reaches, which otherwise happens in every
// process as each function first runs: about a fifth of a short run's bookkeeping. The packages every command loads
// (SCRIPT_PACKAGES) are built into it too, so that their compiled code is cached with the rest. STDP_MC_NO_CODE_CACHE=1
// runs the ES module bundle instead; the worker threads and the submit scripts' entries always do.
// STDP_MC_CODE_CACHE_LOG=1 says on stderr which script ran and whether its cache was used.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ENTRY = join(ROOT, 'src/cli/main.ts');
/**
 * The bundle's entry points (chunks are shared): the CLI, the shard count the submit scripts read, and the worker
 * thread of the CPU batch pool (src/run/batch-pool.ts loads it through loadEntry).
 */
const ENTRIES = {
  main: ENTRY, 'batch-count': join(ROOT, 'src/run/batch-count.ts'), 'batch-worker': join(ROOT, 'src/run/batch-worker.ts'),
};

/**
 * Every source file under src/ with its size and modification time, the installed packages' lock, and how they are
 * bundled (this file and the code cache's).
 */
function sourceKey() {
  const h = createHash('sha256');
  h.update(ROOT);
  for (const f of ['bin/cli-bundle.mjs', 'bin/code-cache.mjs']) h.update(readFileSync(join(ROOT, f)));
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mjs|js|json)$/.test(e.name)) {
        const s = statSync(p);
        h.update(`${p}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  walk(join(ROOT, 'src'));
  for (const f of ['package.json', 'node_modules/.package-lock.json']) {
    const p = join(ROOT, f);
    if (existsSync(p)) h.update(`${f}\0${statSync(p).mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 16);
}

/** A .ts file's text with its `import.meta.url` replaced by its own file URL. */
function ownUrlSource(file) {
  return readFileSync(file, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(file).href));
}

/** esbuild plugin: a .ts file's `import.meta.url` becomes its own file URL. */
const ownUrl = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => ({ contents: ownUrlSource(args.path), loader: 'ts' }));
  },
};

/**
 * Plain-JavaScript packages every command loads, bundled into the CommonJS script so that the code cache covers them
 * too: required from node_modules, zod alone costs about 80 ms of parsing and compiling in every process.
 */
const SCRIPT_PACKAGES = ['zod', 'commander', 'fflate', 'seedrandom'];

/** Packages that are ES modules only (top-level await): CommonJS cannot require them. */
const ESM_ONLY = ['vega', 'vega-lite'];

/**
 * esbuild plugin for the CommonJS script: as ownUrl, and an import() of an ES-only package becomes a call of the
 * host's importer (bin/code-cache.mjs: a script run from a code cache cannot call import() in Node 20).
 */
const scriptSources = {
  name: 'cjs-script-sources',
  setup(build) {
    const esmOnly = new RegExp(`\\bimport\\((['"])(${ESM_ONLY.join('|')})\\1\\)`, 'g');
    build.onLoad({ filter: /\.ts$/ }, (args) => ({ contents: ownUrlSource(args.path).replace(esmOnly, '__stdpMcImport($1$2$1)'), loader: 'ts' }));
    // Every other package stays outside the script, as in the ES bundle, except those in SCRIPT_PACKAGES.
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      const pkg = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return SCRIPT_PACKAGES.includes(pkg) ? undefined : { path: args.path, external: true };
    });
  },
};

/**
 * The CLI as one CommonJS script (main.cjs), or null where it cannot be one: no code splitting (what a command does not
 * reach is parsed lazily and never run), every import() a require() or the host's importer, and Deno's entry block
 * (`import.meta.main`, a top-level await) left out. Refused if it would require an ES-only package.
 */
async function buildScript(esbuild) {
  const out = await esbuild.build({
    entryPoints: [ENTRY], bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, outfile: 'main.cjs',
    plugins: [scriptSources], logLevel: 'silent', absWorkingDir: ROOT,
    define: { 'import.meta.main': 'false' }, supported: { 'dynamic-import': false },
  }).catch(() => null);
  const text = out?.outputFiles[0]?.text;
  if (!text || ESM_ONLY.some((p) => text.includes(`require("${p}")`))) return null;
  return text;
}

/**
 * The bundle's entry file, built first if the sources changed since it was made; null if it cannot be built here.
 * The bundle is split at every dynamic import() (esbuild's code splitting): what a command does not reach is never
 * loaded, so a run with --no-report does not load vega, and a CPU run does not load gpu.js (about 0.5 s of start-up).
 */
export async function cliBundle() {
  const dir = join(ROOT, 'node_modules/.cache/stdp-mc');
  const outdir = join(dir, `cli-${sourceKey()}`);
  const entry = join(outdir, 'main.mjs');
  if (existsSync(entry)) return entry;
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return null;
  }
  // Several processes may build at once: each writes its own folder and renames it into place (atomic; the loser's
  // rename fails because the folder exists, and it uses the winner's identical files).
  const tmp = `${outdir}.${process.pid}.tmp`;
  const out = await esbuild.build({
    entryPoints: ENTRIES, bundle: true, splitting: true, platform: 'node', format: 'esm', target: 'node20',
    outdir: tmp, outExtension: { '.js': '.mjs' }, write: false,
    packages: 'external', plugins: [ownUrl], logLevel: 'silent', absWorkingDir: ROOT,
  });
  const script = await buildScript(esbuild);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const f of out.outputFiles) writeFileSync(f.path, f.contents);
  if (script) writeFileSync(join(tmp, 'main.cjs'), script);
  try {
    renameSync(tmp, outdir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(entry)) throw e;
  }
  pruneOldBundles(dir, outdir);
  return entry;
}

/** Bundles of earlier sources, older than an hour (a process still starting from one is long past loading it). */
function pruneOldBundles(dir, keep) {
  const hourAgo = Date.now() - 3600_000;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (p === keep || !/^cli-[0-9a-f]+(\.mjs)?(\.\d+\.tmp)?$/.test(f)) continue;
    try {
      if (statSync(p).mtimeMs < hourAgo) rmSync(p, { recursive: true, force: true });
    } catch {
      /* removed by another process */
    }
  }
}

/**
 * The folder of the bundle this process runs from, built if need be (null where it cannot be, or STDP_MC_NO_BUNDLE=1).
 * Recorded for the CPU batch pool, whose workers load the same bundle, not one rebuilt from sources changed since
 * (src/run/batch-pool.ts).
 */
async function bundleDir() {
  if (process.env.STDP_MC_NO_BUNDLE === '1') return null;
  const main = await cliBundle().catch(() => null);
  if (!main) return null;
  globalThis.__stdpMcBundleDir ??= join(main, '..');
  return join(main, '..');
}

/** Import one entry of the bundle (main: the CLI) when it can be built, else its source through tsx. */
export async function loadEntry(name) {
  if (!(name in ENTRIES)) throw new Error(`no bundle entry ${name}`);
  const dir = await bundleDir();
  if (dir) return import(pathToFileURL(join(dir, `${name}.mjs`)).href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(ENTRIES[name]).href);
}

/**
 * The CLI: main.cjs through its code cache where it was built (bin/code-cache.mjs), else the ES module bundle, else the
 * sources through tsx.
 */
export async function loadCli() {
  const dir = process.env.STDP_MC_NO_CODE_CACHE === '1' ? null : await bundleDir();
  const script = dir && join(dir, 'main.cjs');
  if (script && existsSync(script)) {
    const { commandOf, runWithCodeCache } = await import('./code-cache.mjs');
    const r = runWithCodeCache(script, commandOf(process.argv.slice(2)), (specifier) => import(specifier));
    if (process.env.STDP_MC_CODE_CACHE_LOG === '1') console.error(`stdp-mc: ran ${script} (code cache: ${r.cache})`);
    return r.exports;
  }
  return loadEntry('main');
}

