/**
 * The README's commands work: every command in its sh/bash/console blocks runs on a fresh clone of this repository,
 * and the test fails if one exits non-zero, takes longer than PER_COMMAND_S, or is of a kind the test does not know
 * (test/docs/readme-commands.ts: RULES says which commands run, which run something else in their place and which
 * are excepted, each exception with its reason). Sizes are the README's own: a command that would take long must
 * show a small form in the README (`--trajectories` …), not here.
 *
 * The clone: `git clone` of the repository this file is in, at HEAD, plus the working tree's uncommitted changes
 * (none in CI, which runs on a fresh clone of main), with the checkout's node_modules linked in. Each distinct
 * command runs once. A block's commands run in order and may build on one another; blocks stand alone, so two lanes,
 * each with its own clone, share them out.
 *
 * Also checked, without running anything: the first screen (40 lines) has what a first hour needs, the table of
 * contents points at headings, no heading names an issue, every reference paper in the README's citation table is
 * in CITATION.cff, and LICENSE is the MIT licence package.json names.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractCommands, githubAnchor, splitList, stripComment, treatmentOf } from './readme-commands';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: HERE }).toString().trim();
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** A command slower than this fails: the README should show a smaller form. Generous for a loaded 2-core machine. */
const PER_COMMAND_S = 150;

describe('the README command extractor', () => {
  it('reads sh, bash and console blocks, joins continuations and heredocs, drops comments and output', () => {
    const md = [
      'text', '```sh', 'npm install && npm start     # two commands', '# a comment', '',
      'npx stdp-mc run a.json \\', '  --out "runs/x # y"', '```', '```text', 'npx stdp-mc run <synopsis>', '```',
      '```console', '$ npx deno task start', 'output line', '```',
      '```bash', "cat > e.json <<'EOF'", '{ "a": 1 }', 'EOF', 'npx stdp-mc run e.json; npm test', '```',
    ].join('\n');
    expect(extractCommands(md)).toEqual([
      { command: 'npm install', line: 3, block: 0 },
      { command: 'npm start', line: 3, block: 0 },
      { command: 'npx stdp-mc run a.json --out "runs/x # y"', line: 6, block: 0 },
      { command: 'npx deno task start', line: 13, block: 1 },
      { command: "cat > e.json <<'EOF'\n{ \"a\": 1 }\nEOF", line: 17, block: 2 },
      { command: 'npx stdp-mc run e.json', line: 20, block: 2 },
      { command: 'npm test', line: 20, block: 2 },
    ]);
    expect(stripComment("echo '#not' a#b # c")).toBe("echo '#not' a#b");
    expect(splitList("a && b || 'c;d'; e")).toEqual(['a', 'b', "'c;d'", 'e']);
    expect(() => extractCommands('```sh\nnpm start\n')).toThrow(/not closed/);
  });

  it('knows the README\'s kinds of command and refuses others', () => {
    expect(treatmentOf('npm start')).toEqual({ kind: 'run' });
    expect(treatmentOf('npm run app')).toMatchObject({ kind: 'instead', command: 'npm run build:app' });
    expect(treatmentOf('kubectl apply -f x.yaml')).toMatchObject({ kind: 'except' });
    expect(treatmentOf('rm -rf runs')).toBeNull();
    expect(treatmentOf('npm run bench')).toBeNull();
    expect(treatmentOf('deno task start')).toBeNull();
  });
});

describe('README.md', () => {
  const lines = README.split('\n');

  it('has, on its first screen, what it is, a picture, install, start, the report, the page, verdicts and citing', () => {
    const screen = lines.slice(0, 40).join('\n');
    expect(lines[0]).toBe('# stdp-mc');
    const img = /<img src="(docs\/[^"]+\.png)"|!\[[^\]]*\]\((docs\/[^)]+\.png)\)/.exec(screen);
    expect(img, 'a picture from docs/').not.toBeNull();
    const png = readFileSync(join(ROOT, img![1] ?? img![2]!));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    for (const needle of ['npm install', 'npm start', 'runs/quickstart/report.html', 'npm run app', '**agrees**',
      '**disagrees**', '**not comparable**', 'allowance', 'CITATION.cff']) {
      expect(screen, needle).toContain(needle);
    }
    const firstBlock = extractCommands(screen).map((c) => c.command);
    expect(firstBlock).toEqual(expect.arrayContaining(['npm install', 'npm start', 'npm run app']));
  });

  it('has a table of contents whose links reach headings, and no heading that names an issue', () => {
    const headings = lines.filter((l) => /^#{1,6} /.test(l)).map((l) => l.replace(/^#+ /, ''));
    const anchors = new Set([...headings.map(githubAnchor), ...[...README.matchAll(/<a id="([^"]+)">/g)].map((m) => m[1]!)]);
    const contents = README.slice(README.indexOf('## Contents'), README.indexOf('\n## ', README.indexOf('## Contents') + 1));
    const links = [...contents.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(10);
    for (const l of [...README.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!)) expect(anchors, `#${l}`).toContain(l);
    for (const h of headings) expect(h, h).not.toMatch(/\bissue\s*#?\d/i);
  });

  it('cites in CITATION.cff every paper its citation table names, and ships the MIT licence', () => {
    const cff = readFileSync(join(ROOT, 'CITATION.cff'), 'utf8');
    expect(cff).toMatch(/^cff-version: 1\.2\.0$/m);
    const table = README.slice(README.indexOf('**How to cite.**'), README.indexOf('## Contents'));
    const ids = [...table.matchAll(/arXiv (\d{4}\.\d{4,5})/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThanOrEqual(5);
    for (const id of ids) expect(cff, id).toContain(`arXiv:${id}`);
    expect(cff).toContain('10.1038/78829'); // Song, Miller & Abbott (2000), the one model paper without an arXiv id
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the stdp-mc authors\n/);
  });
});

/** The environment a reader's shell would have: vitest's own variables removed (VITEST changes vite.config.ts). */
function readerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'TEST') delete env[k];
  if (env.NODE_ENV === 'test') delete env.NODE_ENV;
  return env;
}

/** A clone of HEAD plus the working tree's uncommitted changes, with the checkout's node_modules linked in. */
function freshClone(): { dir: string; overlaid: number; cleanup: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'stdp-mc-readme-'));
  const dir = join(base, 'stdp-mc');
  execFileSync('git', ['clone', '--quiet', ROOT, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const list = (args: string[]) =>
    execFileSync('git', ['ls-files', '-z', ...args], { cwd: ROOT }).toString().split('\0').filter((f) => f !== '');
  const changed = new Set([...list(['--modified']), ...list(['--others', '--exclude-standard'])]);
  for (const f of changed) {
    // only files: a checkout whose node_modules is a link (untracked, as git sees a link) keeps it out of the overlay
    if (f === 'node_modules' || (existsSync(join(ROOT, f)) && !lstatSync(join(ROOT, f)).isFile())) continue;
    if (existsSync(join(ROOT, f))) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      copyFileSync(join(ROOT, f), join(dir, f));
    } else rmSync(join(dir, f), { force: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, overlaid: changed.size, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

/** Runs a command in bash in `cwd`; kills its whole process group after `seconds`. */
function runShell(command: string, cwd: string, seconds: number): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], {
      cwd, env: readerEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (b: Buffer) => { output = (output + b.toString()).slice(-8000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
    }, seconds * 1000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, output, timedOut }); });
  });
}

describe('every command the README shows', () => {
  it('runs on a fresh clone and exits 0 (exceptions named with their reasons)', async () => {
    const shown = extractCommands(README);
    expect(shown.length).toBeGreaterThan(10);
    const unknown = shown.filter((c) => treatmentOf(c.command) === null);
    expect(unknown.map((c) => `README.md:${c.line}: ${c.command}`),
      'commands the test does not know how to treat: add a rule in test/docs/readme-commands.ts').toEqual([]);

    // Per block, in README order: what runs (each distinct command once) and what does not, and why.
    type Step = { line: number; shown: string; run: string | null; note: string };
    const blocks = new Map<number, Step[]>();
    const seen = new Set<string>();
    for (const c of shown) {
      const t = treatmentOf(c.command)!;
      let run = t.kind === 'run' ? c.command : t.kind === 'instead' ? t.command : null;
      let note = t.kind === 'run' ? '' : t.reason;
      if (run !== null && seen.has(run)) { run = null; note = 'ran already'; }
      if (run !== null) seen.add(run);
      if (!blocks.has(c.block)) blocks.set(c.block, []);
      blocks.get(c.block)!.push({ line: c.line, shown: c.command, run, note });
    }
    const queue = [...blocks.values()].filter((b) => b.some((s) => s.run !== null));
    expect(queue.flat().filter((s) => s.run !== null).length).toBeGreaterThan(5);
    const skipped = [...blocks.values()].flat().filter((s) => s.run === null)
      .map((s) => `  skip    README.md:${s.line}: ${s.shown}  (${s.note})`);

    // A block's commands may build on the block's earlier ones, never on another block's: two lanes, each with its
    // own clone, take the blocks in turn.
    const lanes = [freshClone(), freshClone()];
    const log: string[] = [`clones of ${ROOT} at HEAD + ${lanes[0]!.overlaid} uncommitted file(s)`];
    const failures: string[] = [];
    const t0 = performance.now();
    try {
      await Promise.all(lanes.map(async (lane) => {
        for (let block = queue.shift(); block; block = queue.shift()) {
          for (const s of block) {
            if (s.run === null) continue;
            const start = performance.now();
            const r = await runShell(s.run, lane.dir, PER_COMMAND_S);
            const sec = (performance.now() - start) / 1000;
            log.push(`  ${sec.toFixed(1).padStart(5)} s README.md:${s.line}: ${s.run}` +
              (s.note ? `  (in place of ${s.shown}: ${s.note})` : ''));
            if (r.code !== 0 || r.timedOut) {
              const why = r.timedOut ? `took more than ${PER_COMMAND_S} s: show a smaller form in the README` : `exit ${r.code}`;
              failures.push(`README.md:${s.line}: ${s.run}\n${why}\n${r.output}`);
              break; // the block's later commands may need this one
            }
          }
        }
      }));
    } finally {
      log.push(...skipped, `  ${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
      console.log(log.join('\n'));
      for (const lane of lanes) lane.cleanup();
    }
    expect(failures).toEqual([]);
  }, 900_000);
});
