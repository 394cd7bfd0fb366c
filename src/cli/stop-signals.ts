/**
 * SIGINT and SIGTERM while a command holds an output folder. During a run's simulation (`graceful`) the first signal
 * aborts the batch in flight: the run saves what it finished, releases its lock and exits 130 (SIGINT) or 143
 * (SIGTERM). Anywhere else — and on a second signal — the command is stopped at once: `onStop` releases the lock, one
 * line says so, and the process exits with the same code.
 *
 * The handlers live only as long as the scope (dispose() removes them), so the command line can run many commands in
 * one process without handlers piling up, and outside a scope a signal ends the process as it normally does.
 */

export type StopSignal = 'SIGINT' | 'SIGTERM';

export const STOP_EXIT_CODES: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

export class StopScope {
  private readonly controller = new AbortController();
  private signalSeen: StopSignal | null = null;
  private gracefulDepth = 0;
  private readonly handlers: [StopSignal, () => void][];

  /** `onStop` runs (synchronously) before an immediate exit: release what the command holds. */
  constructor(private readonly onStop: () => void) {
    this.handlers = (['SIGINT', 'SIGTERM'] as const).map((sig) => [sig, () => this.receive(sig)]);
    const p = (globalThis as any).process;
    for (const [sig, h] of this.handlers) p?.on?.(sig, h);
  }

  /** The signal that stopped the command, or null. */
  get received(): StopSignal | null {
    return this.signalSeen;
  }

  /** Aborted by the first signal during `graceful`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Run `fn`, during which the first signal aborts `signal` instead of exiting. */
  async graceful<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.gracefulDepth++;
    try {
      return await fn(this.controller.signal);
    } finally {
      this.gracefulDepth--;
    }
  }

  private receive(sig: StopSignal): void {
    if (!this.signalSeen && this.gracefulDepth > 0) {
      this.signalSeen = sig;
      this.controller.abort();
      return;
    }
    const stop = this.signalSeen ?? sig;
    this.signalSeen = stop;
    try { this.onStop(); } catch { /* exiting anyway */ }
    const p = (globalThis as any).process;
    p.stderr.write(`stdp-mc: stopped by ${sig}\n`);
    p.exit(STOP_EXIT_CODES[stop]);
  }

  dispose(): void {
    const p = (globalThis as any).process;
    for (const [sig, h] of this.handlers) p?.off?.(sig, h);
  }
}
