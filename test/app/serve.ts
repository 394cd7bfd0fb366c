/**
 * The page's test helpers: `vite build` of the page, kept by what it is built from (builtPage), and a tiny static file
 * server for it on 127.0.0.1 (an ephemeral port unless one is given).
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wgsl': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.wasm': 'application/wasm', '.ico': 'image/x-icon',
};

/**
 * What `vite build` of the page reads (its modules come from src/, experiments/, shaders/ and node_modules; the
 * config bakes in package.json's version and the git commit): hashed, every file's path and bytes, with the locked
 * dependency tree npm records in node_modules/.package-lock.json, the commit and NODE_ENV.
 */
function pageInputsKey(root: string): string {
  const h = createHash('sha256');
  const add = (rel: string) => {
    const st = statSync(join(root, rel), { throwIfNoEntry: false });
    if (!st) h.update(`${rel}\0-\0`);
    else if (st.isDirectory()) for (const e of readdirSync(join(root, rel)).sort()) add(`${rel}/${e}`);
    else h.update(`${rel}\0${st.size}\0`).update(readFileSync(join(root, rel)));
  };
  for (const rel of ['src', 'experiments', 'shaders', 'vite.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json',
    'node_modules/.package-lock.json']) add(rel);
  let head = '';
  try {
    head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    /* not a git checkout */
  }
  h.update(`commit ${head}\0NODE_ENV ${process.env.NODE_ENV ?? ''}\0`);
  return h.digest('hex').slice(0, 32);
}

function viteBuild(root: string, outDir: string): Promise<void> {
  // vitest sets VITEST, which makes vite.config.ts skip the page's build settings: build without it.
  const env = { ...process.env };
  delete env.VITEST;
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'],
      { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let se = '';
    p.stderr.on('data', (d) => (se += d));
    p.on('error', fail);
    p.on('close', (code) => (code === 0 ? ok() : fail(new Error(`vite build exited ${code}: ${se}`))));
  });
}

/**
 * The page built by `vite build` from the checkout at `root`, kept as the CLI keeps its bundle: the folder of an
 * earlier build from the same inputs (pageInputsKey: a change to any source, preset, shader, the config, the
 * dependencies or the commit builds afresh) under node_modules/.cache/stdp-mc/page/, else a new build put there.
 * STDP_MC_PAGE_BUILD_CACHE=0 builds afresh into `fresh` and keeps nothing. A new build removes those unused for an hour.
 */
export async function builtPage(root: string, fresh: string): Promise<{ dir: string; cached: boolean }> {
  if (process.env.STDP_MC_PAGE_BUILD_CACHE === '0') {
    await viteBuild(root, fresh);
    return { dir: fresh, cached: false };
  }
  const cache = join(root, 'node_modules/.cache/stdp-mc/page');
  const dir = join(cache, pageInputsKey(root));
  if (existsSync(join(dir, 'index.html'))) {
    const now = new Date();
    utimesSync(dir, now, now); // in use: not removed as unused
    return { dir, cached: true };
  }
  // Several runs may build at once: each builds its own folder and renames it into place (atomic: a folder under its
  // key is always a whole build; the loser's rename fails and it uses the winner's).
  mkdirSync(cache, { recursive: true });
  const part = `${dir}.${process.pid}.part`;
  try {
    await viteBuild(root, part);
    try {
      renameSync(part, dir);
    } catch (e) {
      if (!existsSync(join(dir, 'index.html'))) throw e;
    }
  } finally {
    rmSync(part, { recursive: true, force: true });
  }
  const hourAgo = Date.now() - 3600_000;
  for (const e of readdirSync(cache)) {
    const p = join(cache, e);
    try {
      if (p !== dir && statSync(p).mtimeMs < hourAgo) rmSync(p, { recursive: true, force: true });
    } catch {
      /* removed by another run */
    }
  }
  return { dir, cached: false };
}

export async function serveDir(dir: string, port = 0): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    try {
      let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (path.endsWith('/')) path += 'index.html';
      const file = normalize(join(root, path));
      if (!file.startsWith(root + sep)) throw new Error('outside');
      const s = await stat(file);
      if (!s.isFile()) throw new Error('not a file');
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(await readFile(file));
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}/`;
  return { server, url, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}
