/**
 * bin/stdp-mc, the stdp-mc command (package.json "bin"; npm start): it runs bin/stdp-mc.js under Node with V8's pool of
 * background threads sized to the CPUs it may use less one (at least 1, at most 4), leaves a --v8-pool-size in
 * NODE_OPTIONS alone, finds the CLI through a symlink (npm links the command into node_modules/.bin), and execs Node,
 * so the CLI has the command's pid and exit code. The sizing is checked with stand-in `nproc` and `node` commands first
 * on the PATH; the rest with the real ones.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../gpu/spawn.ts';

const LAUNCHER = join(ROOT, 'bin/stdp-mc');
const CLI = join(ROOT, 'bin/stdp-mc.js');
const work = mkdtempSync(join(tmpdir(), 'stdp-mc-launcher-'));

/** What the launcher would run, with `nproc` answering `cpus` (a stand-in `node` prints its arguments, one a line). */
function planned(cpus: string, env: NodeJS.ProcessEnv = {}, via = LAUNCHER): string[] {
  const fake = mkdtempSync(join(work, 'path-'));
  writeFileSync(join(fake, 'nproc'), `#!/bin/sh\necho '${cpus}'\n`);
  writeFileSync(join(fake, 'node'), '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n');
  chmodSync(join(fake, 'nproc'), 0o755);
  chmodSync(join(fake, 'node'), 0o755);
  const r = spawnSync(via, ['run', 'x.json', '--seed', '3 4'], {
    encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', ...env, PATH: `${fake}:${process.env.PATH}` },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n');
}

describe('bin/stdp-mc', () => {
  it('sizes V8\'s pool to the CPUs less one (1 to 4) and passes the arguments through unchanged', () => {
    for (const [cpus, pool] of [['1', 1], ['2', 1], ['3', 2], ['4', 3], ['5', 4], ['64', 4]] as const) {
      expect(planned(cpus), `${cpus} CPUs`).toEqual([`--v8-pool-size=${pool}`, CLI, 'run', 'x.json', '--seed', '3 4']);
    }
    // an answer that is not a number: Node's default of 4
    expect(planned('')[0]).toBe('--v8-pool-size=4');
  });

  it('leaves a --v8-pool-size in NODE_OPTIONS to rule, and finds the CLI through a symlink', () => {
    expect(planned('2', { NODE_OPTIONS: '--max-old-space-size=4096 --v8-pool-size=3' })).toEqual([CLI, 'run', 'x.json', '--seed', '3 4']);
    const link = join(mkdtempSync(join(work, 'bin-')), 'stdp-mc');
    symlinkSync(LAUNCHER, link);
    expect(dirname(link)).not.toBe(dirname(LAUNCHER));
    expect(planned('2', {}, link)).toEqual(['--v8-pool-size=1', CLI, 'run', 'x.json', '--seed', '3 4']);
  });

  it('runs the CLI in its own process: the same output and exit code as node bin/stdp-mc.js, and Node under its pid', async () => {
    const env = { ...process.env, NODE_OPTIONS: '' };
    for (const args of [['--version'], ['run', join(work, 'no-such-file.json')]]) {
      const a = spawnSync(LAUNCHER, args, { cwd: ROOT, encoding: 'utf8', env });
      const b = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env });
      expect([a.status, a.stdout, a.stderr], args.join(' ')).toEqual([b.status, b.stdout, b.stderr]);
    }
    // A run of a few seconds: its process (the pid the launcher was started as) is Node running the CLI, with the pool
    // flag; SIGKILL to that pid ends the run.
    const exp = join(work, 'long.json');
    writeFileSync(exp, JSON.stringify({
      name: 'long', batches: 50,
      scenario: { model: 'chain', rates: [10, 7.5, 5], alpha: 0.01, steps: 2000, trajectories: 200_000, seed: 1, checkpoints: { every: 1000 } },
    }));
    const child = spawn(LAUNCHER, ['run', exp, '--engine', 'cpu', '--no-report', '--out', join(work, 'long')], { cwd: ROOT, env, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, s) => res(s)));
    let cmdline: string[] = [];
    for (let t = 0; t < 100 && !cmdline.includes(CLI); t++) {
      await new Promise((r) => setTimeout(r, 50));
      cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(cmdline[0]).toMatch(/(^|\/)node$/);
    expect(cmdline.slice(1, 4)).toEqual([expect.stringMatching(/^--v8-pool-size=[1-4]$/), CLI, 'run']);
  });
});
