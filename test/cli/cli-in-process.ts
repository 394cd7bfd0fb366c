/**
 * The CLI run in this process (src/cli/main.ts runCli): its exit code and what it printed with console.log and
 * console.error, captured for the call.
 */
import { vi } from 'vitest';
import { runCli } from '../../src/cli/main.ts';

export async function cliInProcess(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out += a.join(' ') + '\n'; });
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err += a.join(' ') + '\n'; });
  try {
    return { code: await runCli(argv), out, err };
  } finally {
    vi.restoreAllMocks();
  }
}
