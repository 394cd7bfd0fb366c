/**
 * The page, one path for every model: the experiment (a preset of any model, in the model's own form or the JSON
 * panel, editor.ts; the models' own parts of the page, model-pages.ts, are loaded first) with its description and
 * cost (presets-panel.ts), the run controls and the worker (run-controls.ts), plots, summary and exports
 * (plots-panel.ts, summary-view.ts, exports.ts). The URL carries the experiment and the engine, so a view can be
 * shared and reloaded.
 */
import { currentExperiment, loadFromUrl, onExperiment } from './editor.ts';
import { $ } from './format.ts';
import { showFiguresFor, simplexMessage, simplexPathCount } from './plots-panel.ts';
import { exportFiles, zipAll } from './exports.ts';
import { loadPages } from './model-pages.ts';
import { readyToRun, runEngineInfo, runState, runSummary } from './run-controls.ts';
import './presets-panel.ts';

onExperiment((c) => { if (c) showFiguresFor(c.model, c.experiment); });

$('btn-copy-cli').addEventListener('click', async () => {
  const text = currentExperiment()?.command ?? $('cli-command').textContent ?? '';
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    ok = document.execCommand('copy');
    ta.remove();
  }
  $('copy-state').textContent = ok ? 'Copied.' : 'Copy failed: select the command above.';
});

// Exposed for the page's tests and for scripting from the console.
(globalThis as any).stdpMc = {
  get state() { return runState(); },
  get summary() { return runSummary(); },
  get engine() { return runEngineInfo(); },
  get simplexPaths() { return simplexPathCount(); },
  get simplexMessage() { return simplexMessage(); },
  exportFiles,
  zipAll,
};

void loadPages().then(() => {
  loadFromUrl();
  readyToRun();
});
