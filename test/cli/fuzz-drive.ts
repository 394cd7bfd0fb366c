/**
 * Drives test/cli/fuzz-runner.ts for the fuzz suite: runs one group of cases in a child process (node --import tsx),
 * reads its JSON lines, and when a case kills the process (a V8 fatal error, out of memory, a hang past the group's
 * time) records it as a failure with the end of the process's stderr and goes on with a new process after it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FuzzResult } from './fuzz-runner.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNNER = fileURLToPath(new URL('./fuzz-runner.ts', import.meta.url));

export interface GroupRun {
  results: FuzzResult[];
  /** Cases whose process died, with why. */
  deaths: { id: string; why: string }[];
  seconds: number;
}

function runProcess(group: number, groups: number, first: number, limitMs: number): Promise<{ lines: any[]; stderr: string; code: number | null; signal: string | null; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=1024', '--import', 'tsx', RUNNER, String(group), String(groups), String(first)], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '', timedOut = false;
    child.stdout.on('data', (b) => { out += b; });
    child.stderr.on('data', (b) => { err += b; if (err.length > 20_000) err = err.slice(-10_000); });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, limitMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      resolve({ lines, stderr: err, code, signal, timedOut });
    });
  });
}

/** Run group `group` of `groups`, restarting after a case that kills its process. */
export async function runGroup(group: number, groups: number, limitMs = 120_000): Promise<GroupRun> {
  const t0 = Date.now();
  const results: FuzzResult[] = [], deaths: GroupRun['deaths'] = [];
  let first = 0;
  for (;;) {
    const p = await runProcess(group, groups, first, Math.max(5_000, limitMs - (Date.now() - t0)));
    const done = p.lines.find((l) => 'done' in l);
    let started: string | null = null, count = 0;
    for (const l of p.lines) {
      if ('start' in l) started = l.start;
      else if ('id' in l) { results.push(l); started = null; count++; }
    }
    if (done) break;
    const why = p.timedOut ? 'the process was still running at the time limit'
      : `the process ended (${p.signal ?? `exit ${p.code}`}): ${p.stderr.trim().split('\n').filter((x) => x.trim() && !/^\s*\d+: 0x|^#\s*$/.test(x)).slice(0, 3).join(' / ').slice(0, 300)}`;
    if (started === null) { deaths.push({ id: `(group ${group}, before its first case)`, why }); break; }
    deaths.push({ id: started, why });
    if (p.timedOut) break;
    first += count + 1;
  }
  return { results, deaths, seconds: (Date.now() - t0) / 1000 };
}
