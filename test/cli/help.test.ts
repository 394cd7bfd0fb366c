/**
 * The command line's grammar, in process through runCli (no process spawned): --version, the global and per-command
 * help with the exit codes, usage errors as exactly one `stdp-mc: <message>` line plus the usage hint (exit 2), and
 * the fast paths' imports: main.ts reaches no model, engine or report module through its static imports, so
 * --version, --help and usage errors never load them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportError, runCli } from '../../src/cli/main.ts';
import { ScenarioError } from '../../src/core/errors.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Run the CLI in process; returns its exit code and what it printed on stdout and stderr. */
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out += a.join(' ') + '\n'; });
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err += a.join(' ') + '\n'; });
  const code = await runCli(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}

afterEach(() => vi.restoreAllMocks());

describe('help and version', () => {
  it('--version prints the package version', async () => {
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    for (const flag of ['--version', '-V']) expect(await cli([flag])).toEqual({ code: 0, out: `stdp-mc ${version}\n`, err: '' });
  });

  it('--help lists the commands and the exit codes', async () => {
    const h = await cli(['--help']);
    expect(h.code).toBe(0);
    expect(h.err).toBe('');
    for (const c of ['run', 'merge', 'report', 'schema']) expect(h.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(h.out).toMatch(/^  0 +done/m);
    expect(h.out).toMatch(/^  2 +bad input/m);
    expect(h.out).toMatch(/^  1 +a run that failed/m);
    expect(h.out).toMatch(/130 +stopped by SIGINT.*143 stopped by SIGTERM/);
  });

  it('each command has its own help with its options', async () => {
    const run = await cli(['run', '--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--engine', '--trajectories', '--steps', '--duration', '--seed', '--out', '--resume', '--shard', '--force',
      '--json', '--progress', '--no-report', '--steps-per-dispatch', '--batch-size', '--workers', '--debug']) {
      expect(run.out).toMatch(new RegExp(`^  ${flag}\\b`, 'm'));
    }
    expect(run.out).toMatch(/in use by another run/);
    expect(run.out).toMatch(/refused at once \(exit 2\)/);
    const merge = await cli(['merge', '--help']);
    expect(merge.out).toMatch(/^Usage: stdp-mc merge \[options\] <DIR\.\.\.>/m);
    expect(merge.out).toMatch(/^  --out <DIR>/m);
    expect(merge.out).not.toMatch(/--batch-size/);
    const report = await cli(['help', 'report']);
    expect(report.out).toMatch(/^Usage: stdp-mc report \[options\] <DIR>/m);
  });

  it('no command prints the help on stderr and exits 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^Usage: stdp-mc <command>/);
  });
});

describe('usage errors: one line and the usage hint, exit 2', () => {
  const cases: [string[], string][] = [
    [['run', 'x.json', '--bogus'], "unknown option '--bogus'"],
    [['run', 'x.json', '--trajectories', '0'], '--trajectories must be a positive integer, got "0"'],
    [['run', 'x.json', '--trajectories', '1.5'], '--trajectories must be a positive integer, got "1.5"'],
    [['run', 'x.json', '--steps', '-3'], '--steps must be a positive integer, got "-3"'],
    [['run', 'x.json', '--steps', '0'], '--steps must be a positive integer, got "0"'],
    [['run', 'x.json', '--batch-size=0'], '--batch-size must be a positive integer, got "0"'],
    [['run', 'x.json', '--steps-per-dispatch', 'many'], '--steps-per-dispatch must be a positive integer, got "many"'],
    [['run', 'x.json', '--duration', 'NaN'], '--duration must be a positive number, got "NaN"'],
    [['run', 'x.json', '--engine', 'cuda'], '--engine must be one of auto, webgpu, gpujs, cpu, got "cuda"'],
    [['run', 'x.json', '--shard', '3/2'], '--shard must be i/n with 1 ≤ i ≤ n (e.g. 2/8), got "3/2"'],
    [['run', 'x.json', '--out', ''], '--out must name a folder, got ""'],
    [['run', 'x.json', '--out'], "option '--out <DIR>' argument missing"],
    [['run'], "missing required argument 'experiment.json'"],
    [['run', 'a.json', 'b.json'], "too many arguments for 'run'. Expected 1 argument but got 2."],
    [['report'], "missing required argument 'DIR'"],
    [['frobnicate'], "unknown command 'frobnicate'"],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(' '), async () => {
      const r = await cli(argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      const hint = argv[0] === 'frobnicate' ? 'stdp-mc --help shows the usage' : `stdp-mc ${argv[0]} --help shows the usage`;
      expect(r.err.split('\n')).toEqual([`stdp-mc: ${message}`, hint, '']);
    });
  }

  it('a missing experiment file names the path and the operation, without a stack trace (with one under --debug)', async () => {
    const r = await cli(['run', '/nonexistent/x.json']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('stdp-mc: /nonexistent/x.json: cannot stat the file (ENOENT: no such file or directory)\n');
    const d = await cli(['run', '/nonexistent/x.json', '--debug']);
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/\n\s+at /);
  });

  it('runs again and again in one process: nothing is left behind between calls', async () => {
    const before = ['SIGINT', 'SIGTERM', 'exit'].map((s) => process.listenerCount(s as 'exit'));
    for (let k = 0; k < 3; k++) {
      expect((await cli(['run', 'x.json', '--engine', 'cuda'])).code).toBe(2);
      expect((await cli(['--version'])).code).toBe(0);
    }
    expect(['SIGINT', 'SIGTERM', 'exit'].map((s) => process.listenerCount(s as 'exit'))).toEqual(before);
  });
});

describe('errors as the command line answers them', () => {
  function answer(e: unknown, debug = false): { code: number; err: string } {
    let err = '';
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err += a.join(' ') + '\n'; });
    const code = reportError(e, ['run', 'x.json'], debug);
    vi.restoreAllMocks();
    return { code, err };
  }

  it('an I/O error names the operation and the path (exit 1, no stack trace unless --debug)', () => {
    const e = Object.assign(new Error("EACCES: permission denied, open '/x/summary.json'"), { code: 'EACCES', syscall: 'open', path: '/x/summary.json' });
    expect(answer(e)).toEqual({ code: 1, err: 'stdp-mc: cannot open /x/summary.json: EACCES (permission denied)\n' });
    expect(answer(e, true).err).toMatch(/^stdp-mc: cannot open .*\n.*\n\s+at /);
  });

  it('an experiment with many problems is still one line: the first three and how many more', () => {
    const issues = ['a', 'b', 'c', 'd', 'e'].map((p) => ({ path: `scenario.${p}`, message: `bad ${p}` }));
    expect(answer(new ScenarioError(issues))).toEqual({ code: 2, err: 'stdp-mc: scenario.a: bad a; scenario.b: bad b; scenario.c: bad c; and 2 more\n' });
  });

  it('an unexpected error is an internal error, with its stack', () => {
    const r = answer(new TypeError('x is not a function'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^stdp-mc: internal error: x is not a function\nTypeError: x is not a function\n\s+at /);
  });
});

/** Relative files a TypeScript file imports statically (type-only imports erased), and its bare package imports. */
function staticImports(file: string): { files: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8');
  const files: string[] = [], packages: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) files.push(resolve(dirname(file), spec));
    else packages.push(spec);
  }
  return { files, packages };
}

describe('the fast paths load no model, engine or report code', () => {
  it('main.ts reaches none of them through static imports', () => {
    const seen = new Set<string>(), packages = new Set<string>();
    const todo = [join(ROOT, 'src/cli/main.ts')];
    while (todo.length) {
      const f = todo.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      const i = staticImports(f);
      i.packages.forEach((p) => packages.add(p));
      todo.push(...i.files);
    }
    const rel = [...seen].map((f) => f.slice(ROOT.length)).sort();
    expect(rel).toContain('src/cli/program.ts');
    expect(rel.filter((f) => /^src\/(models|report|stats|theory)\/|^src\/engines\/(webgpu|wasm)\//.test(f))).toEqual([]);
    expect([...packages].filter((p) => !p.startsWith('node:')).sort()).toEqual(['commander']);
  });
});
