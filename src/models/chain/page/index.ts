/**
 * The chain's parts of the browser page (src/run/model-page.ts), loaded lazily through chainModel.page: its
 * subtitle, its form (form.ts), its own engine selection with the gpu.js fallback (browser-engine.ts, loaded by the
 * worker only) and its live figures: the simplex canvas, log(1 − p*) and the success probability against steps, and
 * against α in a sweep over α, fed after each batch by its live view (live-view.ts, in the worker only).
 */
import type { ModelPage } from '../../../run/model-page.ts';
import type { ChainExperiment } from '../definition.ts';
import { chainForm } from './form.ts';

/** Is there a d = 3 grid point to draw on the simplex? */
function hasSimplex(exp: ChainExperiment): boolean {
  return (exp.points ?? [{ scenario: exp.scenario }]).some((p) => p.scenario.d === 3);
}

/** The simplex note for a chain experiment with d = 3 (kept paths needed), else ''. */
function simplexNote(exp: ChainExperiment): string {
  const pts = exp.points ?? [{ scenario: exp.scenario }];
  return pts.some((p) => p.scenario.keepPaths > 0) ? '' : 'No sample paths are kept: set “Sample paths kept” > 0 to draw them.';
}

/** Γ of the first d = 3 point with correlated inputs (Section 5): the canvas then draws contours of −pᵀΓp/2. */
function simplexGamma(exp: ChainExperiment): number[][] | undefined {
  return (exp.points ?? [{ scenario: exp.scenario }]).find((p) => p.scenario.d === 3 && p.scenario.correlation)?.scenario.correlation?.gamma;
}
function simplexCaption(exp: ChainExperiment): string {
  return simplexGamma(exp)
    ? 'Simplex: sample paths p(k), the Γ-replicator flow from p(0), contours of the loss −pᵀΓp/2 (correlated inputs)'
    : SIMPLEX_CAPTION;
}
const SIMPLEX_CAPTION = 'Simplex: sample paths p(k), the replicator flow from p(0), contours of L(p) = ¼‖p‖⁴ − ⅓Σpᵢ³';

const AFTER_BATCH = 'Appears after the first batch.';

export const chainPage: ModelPage = {
  subtitle: 'Monte Carlo of the reduced STDP chain, w(k+1) = w(k) ⊙ (1 + α(B(k) + Z(k)))',
  form: chainForm,
  selectEngine: async (choice, exp) => (await import('./browser-engine.ts')).selectBrowserEngine(choice, exp as ChainExperiment | undefined),
  live: {
    simplex: {
      caption: SIMPLEX_CAPTION,
      waiting: 'Sample paths appear after the first batch.',
    },
    figures: [
      { name: 'log-gap', caption: 'log(1 − p*) against αk', placeholder: AFTER_BATCH },
      { name: 'success-vs-step', caption: 'Success probability against steps', placeholder: AFTER_BATCH },
      { name: 'success-vs-alpha', caption: 'Success probability against α', placeholder: 'Appears once two grid points have finished.' },
    ],
    show(exp) {
      const c = exp as ChainExperiment;
      const alpha = !!(c.points && c.axes?.includes('alpha'));
      return { figures: ['log-gap', 'success-vs-step', ...(alpha ? ['success-vs-alpha'] : [])], simplex: hasSimplex(c), simplexNote: simplexNote(c), simplexCaption: simplexCaption(c), simplexGamma: simplexGamma(c) };
    },
    // the canvas stands for the run's simplex plots
    omit: (name) => name.endsWith('simplex'),
    // a small sweep: every grid point has its own plots at the end, so the live ones (last point) would repeat one
    hideAtEnd: (plots) => (plots.some((j) => j.name.startsWith('point')) ? ['log-gap', 'success-vs-step'] : []),
    view: async (exp, post) => (await import('./live-view.ts')).chainLiveView(exp as ChainExperiment, post),
  },
};
