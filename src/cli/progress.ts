/** A progress bar on stderr: steps done, rate and ETA; silent for runs shorter than a second. */
import type { Progress } from '../engines/types.ts';

export function fmtCount(v: number): string {
  if (v < 1e4) return String(Math.round(v));
  const e = Math.floor(Math.log10(v));
  return `${(v / 10 ** e).toFixed(2)}e${e}`;
}

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

type RunProgressLike = Progress & { point?: number; points?: number; trajectoriesDone?: number; trajectoriesTotal?: number };

/** What the bar calls the copies and their work ("trajectories", "trajectory-steps"; a model's own: src/run/model-nouns.ts). */
export interface ProgressNouns { copies: string; work: string }
const CHAIN_NOUNS: ProgressNouns = { copies: 'trajectories', work: 'trajectory-steps' };

export function progressLine(p: RunProgressLike, width = 30, nouns: ProgressNouns = CHAIN_NOUNS): string {
  const f = p.total ? Math.min(1, p.done / p.total) : 1;
  const filled = Math.round(f * width);
  const rate = p.elapsedSeconds > 0 ? p.done / p.elapsedSeconds : 0;
  const eta = rate > 0 ? (p.total - p.done) / rate : Infinity;
  const where = p.points && p.points > 1 ? `point ${p.point! + 1}/${p.points} ` : '';
  const traj = p.trajectoriesTotal ? `${fmtCount(p.trajectoriesDone ?? 0)}/${fmtCount(p.trajectoriesTotal)} ${nouns.copies}  ` : '';
  return `${where}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * f).toFixed(1).padStart(5)}% ` +
    `${traj}${fmtCount(p.done)}/${fmtCount(p.total)} ${nouns.work}  ${fmtCount(rate)}/s  ETA ${fmtSeconds(eta)}`;
}

/**
 * The progress callback of a run: a bar redrawn in place on a terminal (a line every 2 s otherwise), and the finished
 * bar exactly once (the run reports its end twice: the last batch's last step, then the batch itself). `isTTY` may be
 * a function, asked at the first line drawn: the CLI's asks process.stderr, whose first use builds the stream (about a
 * millisecond on a pipe), which a run shorter than a second, printing nothing here, then never does.
 */
export function stderrProgress(write: (s: string) => void, isTTY: boolean | (() => boolean), nouns?: () => ProgressNouns): (p: RunProgressLike) => void {
  let lastPrint = 0;
  let tty = typeof isTTY === 'boolean' ? isTTY : null;
  let named: ProgressNouns | undefined;
  let shown = false;
  let finishedShown = false;
  return (p) => {
    const now = p.elapsedSeconds;
    const finished = p.done >= p.total;
    if (finishedShown) return;
    if (now < 1 && !(finished && shown)) return; // runs shorter than a second stay quiet
    tty ??= (isTTY as () => boolean)();
    if (!finished && now - lastPrint < (tty ? 0.1 : 2)) return;
    lastPrint = now;
    shown = true;
    finishedShown = finished;
    // The nouns are read at the first line drawn (the model's schema is looked at only for a run that shows a bar).
    named ??= nouns?.() ?? CHAIN_NOUNS;
    const line = progressLine(p, 30, named);
    write(tty ? `\r${line}${finished ? '\n' : ''}` : `${line}\n`);
  };
}
