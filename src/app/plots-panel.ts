/**
 * The plots of a run, for every model: the run's own plots (the CLI's specs) when it ends, and for the chain its live
 * plots after each batch (log-gap, success against steps, the sweep's plots) and the animated simplex canvas.
 */
import type { EnsembleModel, ModelExperiment } from '../run/model.ts';
import { escapeHtml } from '../report/html.ts';
import type { ChainExperiment } from '../models/chain/definition.ts';
import { hasLiveView } from './chain-live.ts';
import { $ } from './format.ts';
import { renderInto } from './plots-view.ts';
import type { PlotJob, SimplexLive } from './protocol.ts';
import { SimplexCanvas } from './simplex-canvas.ts';

const LIVE: Record<string, string> = { 'log-gap': 'plot-log-gap', 'success-vs-step': 'plot-success-vs-step', 'success-vs-alpha': 'plot-success-vs-alpha' };
const simplex = new SimplexCanvas($<HTMLCanvasElement>('simplex'));
let live = true;
let running = false;

export const simplexPathCount = () => simplex.pathCount;

// Plots are rendered one at a time, latest spec wins, so a burst of batches never queues stale renders.
const pending = new Map<HTMLElement, object>();
let rendering = false;
async function drawPlot(figure: HTMLElement, spec: object): Promise<void> {
  pending.set(figure, spec);
  if (rendering) return;
  rendering = true;
  try {
    while (pending.size) {
      const [fig, s] = pending.entries().next().value as [HTMLElement, object];
      pending.delete(fig);
      (fig.querySelector('.placeholder') as HTMLElement | null)?.setAttribute('hidden', '');
      try {
        await renderInto(fig.querySelector('.vega') as HTMLElement, s);
        fig.dataset.rendered = String(Number(fig.dataset.rendered ?? 0) + 1);
      } catch (e) {
        fig.querySelector('.vega')!.textContent = `plot failed: ${(e as Error).message}`;
      }
      await new Promise((r) => setTimeout(r, 0));
    }
  } finally {
    rendering = false;
  }
}

function figureFor(job: PlotJob, create: boolean): HTMLElement | null {
  if (live && LIVE[job.name]) return $(LIVE[job.name]!);
  if (live && job.name.endsWith('simplex')) return null;
  const id = `plot-${job.name}`;
  let f = document.getElementById(id);
  if (!f && create) {
    f = document.createElement('figure');
    f.className = 'panel plot';
    f.id = id;
    f.innerHTML = `<figcaption>${escapeHtml(job.title)}</figcaption><div class="vega"></div><p class="placeholder" hidden></p>`;
    $('extra-plots').appendChild(f);
  }
  return f;
}

/** The simplex note for a chain experiment (d = 3 and kept paths needed), else ''. */
function simplexNote(exp: ChainExperiment): string {
  const pts = exp.points ?? [{ scenario: exp.scenario }];
  const ds = new Set(pts.map((p) => p.scenario.d));
  if (!ds.has(3)) return `The simplex view is drawn for d = 3 (this scenario has d = ${[...ds].join(', ')}).`;
  return pts.some((p) => p.scenario.keepPaths > 0) ? '' : 'No sample paths are kept: set “Sample paths kept” > 0 to draw them.';
}

/** Show the live figures of the experiment's model (the chain's) or none, before a run or while editing. */
export function showFiguresFor(model: EnsembleModel, exp: ModelExperiment): void {
  if (running) return;
  live = hasLiveView(model);
  for (const id of ['simplex-panel', 'plot-log-gap', 'plot-success-vs-step']) $(id).hidden = !live;
  const chain = exp as ChainExperiment;
  $('plot-success-vs-alpha').hidden = !(live && chain.points && chain.axes?.includes('alpha'));
  if (live) simplex.reset(simplexNote(chain));
}

/** A run starts: empty figures for its model. */
export function resetPlots(model: EnsembleModel, exp: ModelExperiment): void {
  running = false;
  $('extra-plots').innerHTML = '';
  for (const id of Object.values(LIVE)) {
    const f = $(id);
    f.querySelector('.vega')!.innerHTML = '';
    (f.querySelector('.placeholder') as HTMLElement).hidden = false;
    delete f.dataset.rendered;
  }
  showFiguresFor(model, exp);
  running = true;
}

/** The chain's plots of a grid point after a batch, and its sample paths. */
export function showPartialPlots(plots: PlotJob[], paths: SimplexLive | null): void {
  for (const job of plots) { const f = figureFor(job, false); if (f) void drawPlot(f, job.spec); }
  if (paths) simplex.update(paths);
}

/** The chain's sweep plots over the grid points done. */
export function showSweepPlots(plots: PlotJob[]): void {
  for (const job of plots) { const f = figureFor(job, job.name === 'success-vs-alpha'); if (f) void drawPlot(f, job.spec); }
}

/** The run's own plots at its end (every model). */
export function showFinalPlots(plots: PlotJob[]): void {
  for (const job of plots) { const f = figureFor(job, true); if (f) void drawPlot(f, job.spec); }
  if (live && plots.some((j) => j.name.startsWith('point'))) {
    // a small sweep: every grid point has its own plots now, so the live ones (last point) would repeat one
    $('plot-log-gap').hidden = true;
    $('plot-success-vs-step').hidden = true;
  }
}

/** The run ended (done, cancelled or failed): editing may change the figures again. */
export function endPlots(): void {
  running = false;
}
