/**
 * The plots of a run, for every model: the run's own plots (the CLI's specs) when it ends, and where the model's page
 * hook has live figures (src/run/model-page.ts), those figures after each batch and its animated simplex canvas.
 */
import type { EnsembleModel, ModelExperiment } from '../run/model.ts';
import type { ModelLive } from '../run/model-page.ts';
import { escapeHtml } from '../report/html.ts';
import { $ } from './format.ts';
import { pageOf } from './model-pages.ts';
import { offLogScale, renderInto } from './plots-view.ts';
import type { PlotJob, SimplexLive } from './protocol.ts';
import { SimplexCanvas } from './simplex-canvas.ts';

/** The live figures on the page (plot name → figure), made the first time a model shows them. */
const figures = new Map<string, HTMLElement>();
let simplexPanel: HTMLElement | null = null;
let simplex: SimplexCanvas | null = null;
/** The live figures of the experiment shown (or run), null where its model has none. */
let live: ModelLive | null = null;
let running = false;

export const simplexPathCount = () => simplex?.pathCount ?? 0;
export const simplexMessage = () => simplex?.message ?? null;

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
        noteOffLogScale(fig, offLogScale(s));
      } catch (e) {
        fig.querySelector('.vega')!.textContent = `plot failed: ${(e as Error).message}`;
      }
      await new Promise((r) => setTimeout(r, 0));
    }
  } finally {
    rendering = false;
  }
}

/** Say under a figure how many of its points its log axis cannot show (values ≤ 0, left out: renderInto), or nothing. */
function noteOffLogScale(fig: HTMLElement, n: number): void {
  let note = fig.querySelector('.plot-note') as HTMLElement | null;
  if (!n) { note?.remove(); return; }
  if (!note) {
    note = document.createElement('p');
    note.className = 'plot-note';
    fig.querySelector('.vega')!.after(note);
  }
  note.textContent = `${n} point${n === 1 ? '' : 's'} at 0 or below cannot be drawn on this plot's log axis and ${n === 1 ? 'is' : 'are'} left out (the summary's tables and the CSV files have ${n === 1 ? 'it' : 'them'}).`;
}

function figureFor(job: PlotJob, create: boolean): HTMLElement | null {
  if (live?.figures.some((f) => f.name === job.name)) return figures.get(job.name) ?? null;
  if (live?.omit?.(job.name)) return null;
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

/** A figure of the page's live plots: a panel with its caption, its content and a placeholder. */
function panel(id: string, content: string): HTMLElement {
  const f = document.createElement('figure');
  f.className = 'panel plot';
  f.id = id;
  f.innerHTML = `<figcaption></figcaption>${content}<p class="placeholder"></p>`;
  return f;
}

/** The model's live figures on the page (made once, in its order, before the run's other plots), captions its own. */
function makeFigures(l: ModelLive): void {
  const box = $('live-plots');
  if (l.simplex) {
    if (!simplexPanel) {
      simplexPanel = panel('simplex-panel', '<canvas id="simplex" role="img" aria-label="Sample paths on the simplex"></canvas>');
      simplexPanel.querySelector('.placeholder')!.id = 'simplex-note';
      box.prepend(simplexPanel);
      simplex = new SimplexCanvas(simplexPanel.querySelector('canvas')!);
    }
    simplexPanel.querySelector('figcaption')!.textContent = l.simplex.caption;
  }
  for (const d of l.figures) {
    let f = figures.get(d.name);
    if (!f) {
      f = panel(`plot-${d.name}`, '<div class="vega"></div>');
      box.appendChild(f);
      figures.set(d.name, f);
    }
    f.querySelector('figcaption')!.textContent = d.caption;
    f.querySelector('.placeholder')!.textContent = d.placeholder;
  }
}

/** Show the live figures of the experiment's model, or none, before a run or while editing. */
export function showFiguresFor(model: EnsembleModel, exp: ModelExperiment): void {
  if (running) return;
  live = pageOf(model)?.live ?? null;
  if (live) makeFigures(live);
  const shown = live?.show(exp) ?? { figures: [], simplexNote: '' };
  for (const [name, f] of figures) f.hidden = !shown.figures.includes(name);
  // no empty panel: the canvas is hidden where the experiment has nothing to draw on it (e.g. d ≠ 3)
  if (simplexPanel) simplexPanel.hidden = !live?.simplex || shown.simplex === false;
  if (simplexPanel && live?.simplex) simplexPanel.querySelector('figcaption')!.textContent = shown.simplexCaption ?? live.simplex.caption;
  // The waiting text is shown only when paths will come: an experiment that keeps none has its note instead
  // (ModelLive.show's simplexNote), which says how to get them.
  if (live?.simplex) simplex!.reset(shown.simplexNote, live.simplex.waiting, shown.simplexGamma);
}

/** A run starts: empty figures for its model. */
export function resetPlots(model: EnsembleModel, exp: ModelExperiment): void {
  running = false;
  $('extra-plots').innerHTML = '';
  for (const f of figures.values()) {
    f.querySelector('.vega')!.innerHTML = '';
    (f.querySelector('.placeholder') as HTMLElement).hidden = false;
    f.querySelector('.plot-note')?.remove();
    delete f.dataset.rendered;
  }
  showFiguresFor(model, exp);
  running = true;
}

/** A live view's plots after a batch (into its live figures, or figures already on the page), and its sample paths. */
export function showLivePlots(plots: PlotJob[], paths: SimplexLive | null): void {
  for (const job of plots) { const f = figureFor(job, false); if (f) void drawPlot(f, job.spec); }
  if (paths) simplex?.update(paths);
}

/** The run's own plots at its end (every model). */
export function showFinalPlots(plots: PlotJob[]): void {
  for (const job of plots) { const f = figureFor(job, true); if (f) void drawPlot(f, job.spec); }
  for (const name of live?.hideAtEnd?.(plots) ?? []) { const f = figures.get(name); if (f) f.hidden = true; }
}

/** The run ended (done, cancelled or failed): editing may change the figures again. */
export function endPlots(): void {
  running = false;
}
