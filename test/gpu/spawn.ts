/** Run test/gpu/engine-runner.ts under Deno (lavapipe) or Node (Dawn on SwiftShader) and parse its JSON. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RUNNER = fileURLToPath(new URL('./engine-runner.ts', import.meta.url));
export type Runtime = 'deno' | 'node';

export function denoBin(): string {
  return `${ROOT}node_modules/.bin/deno`;
}

export function runOnGpu(runtime: Runtime, request: unknown, timeoutMs = 300_000): any {
  const arg = JSON.stringify(request);
  const [cmd, args] = runtime === 'deno'
    ? [denoBin(), ['run', '-A', RUNNER, arg]]
    : [process.execPath, ['--import', 'tsx', RUNNER, arg]];
  const out = execFileSync(cmd, args, {
    cwd: ROOT,
    timeout: timeoutMs,
    maxBuffer: 256 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(runtime === 'node' ? { VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' } : {}) },
  }).toString();
  const line = out.trim().split('\n').pop()!;
  return JSON.parse(line);
}

/** Run one of the model runners in test/gpu/ (e.g. 'song-runner.ts') under Deno on lavapipe and parse its JSON line. */
export function runRunnerOnDeno(runner: string, request: unknown, timeoutMs = 300_000): any {
  const out = execFileSync(denoBin(), ['run', '-A', fileURLToPath(new URL(`./${runner}`, import.meta.url)), JSON.stringify(request)], {
    cwd: ROOT, timeout: timeoutMs, maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
  }).toString();
  return JSON.parse(out.trim().split('\n').pop()!);
}
