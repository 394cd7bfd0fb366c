/**
 * What the command-line tests share: how the CLI is started under Node (bin/stdp-mc.js) or Deno (src/cli/main.ts),
 * running it to its end, and a fresh temporary folder to write experiment files into.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, denoBin, type Runtime } from '../gpu/spawn.ts';

/** The command and its arguments that run the CLI with `args` under `runtime`. */
export function cliArgv(runtime: Runtime, args: string[]): [string, string[]] {
  return runtime === 'node'
    ? [process.execPath, [join(ROOT, 'bin/stdp-mc.js'), ...args]]
    : [denoBin(), ['run', '-A', join(ROOT, 'src/cli/main.ts'), ...args]];
}

/** Run the CLI to its end in the repository root (UTF-8 output; killed after `timeoutMs`; `env` added to ours). */
export function runCli(runtime: Runtime, args: string[], timeoutMs = 120_000, env: Record<string, string> = {}) {
  const [cmd, a] = cliArgv(runtime, args);
  return spawnSync(cmd, a, { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...env } });
}

/** A fresh temporary folder (named from `prefix`) and a writer of JSON files into it, which returns the path. */
export function tempFolder(prefix: string): { dir: string; write(name: string, obj: object): string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name, obj) {
      const f = join(dir, `${name}.json`);
      writeFileSync(f, JSON.stringify(obj));
      return f;
    },
  };
}
