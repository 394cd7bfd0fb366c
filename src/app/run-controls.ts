/**
 * Start, pause, resume and cancel, the same for every model: the experiment from the editor goes to a simulation
 * worker (worker.ts); its messages drive the state, the progress line (the model's own copies and work, rate, ETA),
 * the plots (plots-panel.ts), the summary (summary-view.ts) and the exports (exports.ts). A run estimated above about
 * a minute on this browser's engine asks before it starts.
 */
import type { EngineChoice } from '../engines/index.ts';
import type { EngineInfo } from '../engines/types.ts';
import { escapeHtml } from '../report/html.ts';
import { experimentToStart, onExperiment, showIssues, type Current } from './editor.ts';
import { engineChoice } from './form.ts';
import { $, engineLabel, fmtNum, fmtTime } from './format.ts';
import { nounsOf, type Nouns } from '../run/model-nouns.ts';
import { ASK_ABOVE_SECONDS, estimateForStart, pauseEstimates, resumeEstimates, secondsOf, setMenuDisabled } from './presets-panel.ts';
import { endPlots, resetPlots, showFinalPlots, showLivePlots } from './plots-panel.ts';
import { resetSummary, showSummary, showSummaryPlaceholder } from './summary-view.ts';
import { resetExports, showExports } from './exports.ts';
import type { FromWorker, LiveProgress, ToWorker } from './protocol.ts';

type State = 'ready' | 'estimating' | 'confirming' | 'starting' | 'running' | 'pausing' | 'paused' | 'cancelling' | 'done' | 'cancelled' | 'failed';
const TEXT: Record<State, string> = {
  ready: 'Ready', estimating: 'Estimating the cost…', confirming: 'Waiting for your go', starting: 'Starting…', running: 'Running',
  pausing: 'Pausing at the end of this batch…', paused: 'Paused', cancelling: 'Cancelling…', done: 'Finished', cancelled: 'Cancelled', failed: 'Failed',
};

let state: State = 'ready';
let worker: Worker | null = null;
let run: { current: Current; nouns: Nouns } | null = null;
let runEngine: { info: EngineInfo; reason: string } | null = null;
let summary: Record<string, unknown> | null = null;
let confirmed: ((go: boolean) => void) | null = null;

export const runState = () => state;
export const runSummary = () => summary;
export const runEngineInfo = () => runEngine;

function setState(s: State, text?: string): void {
  state = s;
  document.body.dataset.state = s;
  const el = $('run-state');
  el.textContent = text ?? TEXT[s];
  el.className = `state ${s === 'done' ? 'done' : s === 'failed' ? 'failed' : ''}`;
  const active = !['ready', 'done', 'cancelled', 'failed'].includes(s);
  $<HTMLButtonElement>('btn-start').disabled = active;
  const pause = $<HTMLButtonElement>('btn-pause');
  pause.disabled = !(s === 'running' || s === 'paused');
  pause.textContent = s === 'paused' || s === 'pausing' ? 'Resume' : 'Pause';
  $<HTMLButtonElement>('btn-cancel').disabled = !['starting', 'running', 'pausing', 'paused'].includes(s);
  $<HTMLFieldSetElement>('fields').disabled = active;
  setMenuDisabled(active);
  $('confirm-start').hidden = s !== 'confirming';
  // No time left to count down while nothing runs: the progress line's ETA gives way to the state.
  if (s === 'paused' || s === 'cancelled' || s === 'failed') {
    const el = $('progress-text');
    el.textContent = (el.textContent ?? '').replace(/ · ETA [^·]*$/, ` · ${s}`);
  }
}

function showProgress(p: LiveProgress): void {
  const frac = p.total ? p.done / p.total : 0;
  $<HTMLProgressElement>('progress').value = frac;
  $('progress-pct').textContent = `${(100 * frac).toFixed(frac < 0.1 ? 1 : 0)} %`;
  const rate = p.done / p.activeSeconds;
  const eta = rate > 0 ? (p.total - p.done) / rate : NaN;
  const n = run!.nouns;
  const grid = p.points > 1 ? `grid point ${p.point + 1}/${p.points} (${p.label}) · ` : '';
  $('progress-text').textContent =
    `${grid}${n.copies} ${p.copiesDone.toLocaleString('en')} / ${p.copiesTotal.toLocaleString('en')} · ` +
    `${n.work} ${fmtNum(p.done)} / ${fmtNum(p.total)} · ${fmtNum(rate)} ${n.work}/s · ` +
    (p.done >= p.total ? `took ${fmtTime(p.activeSeconds)}` : `ETA ${fmtTime(eta)}`);
}

function showEngine(info: EngineInfo, reason: string, fallback: boolean): void {
  const el = $('engine-line');
  el.innerHTML = `<b>Engine:</b> ${escapeHtml(engineLabel(info))} · ${escapeHtml(info.precision)} · <span class="reason">${escapeHtml(reason)}</span>`;
  el.classList.toggle('fallback', fallback || /fell back|instead|runs$|so the/.test(reason) && !reason.startsWith('requested'));
}

function finish(s: State, text?: string): void {
  worker?.terminate();
  worker = null;
  endPlots();
  setState(s, text);
  resumeEstimates();
}

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'engine':
      runEngine = { info: m.info, reason: m.reason };
      showEngine(m.info, m.reason, m.fallback);
      if (state === 'starting') setState('running');
      break;
    case 'progress':
      showProgress(m.progress);
      break;
    case 'paused':
      setState('paused');
      break;
    case 'resumed':
      if (state === 'paused' || state === 'pausing') setState('running');
      break;
    case 'batch':
      // every model: what is done so far (a model's live view may say more, below)
      $('result-line').textContent = `${m.points > 1 ? `${m.label}: ` : ''}${m.copiesDone.toLocaleString('en')} of ${m.copiesTotal.toLocaleString('en')} ${run!.nouns.copies} done`;
      break;
    case 'live':
      if (m.line) $('result-line').textContent = m.line;
      showLivePlots(m.plots, m.simplex ?? null);
      break;
    case 'done':
      summary = m.summary;
      showFinalPlots(m.plots);
      showSummary(m.summary, m.report);
      showExports({ name: run!.current.experiment.name, summary: m.summary, csv: m.csv, plots: m.plots, report: m.report });
      finish('done');
      break;
    case 'cancelled':
      showSummaryPlaceholder('<p class="placeholder">The run was cancelled; nothing was kept.</p>');
      finish('cancelled');
      break;
    case 'error':
      if (m.issues) showIssues(m.issues);
      showSummaryPlaceholder(`<p class="error">${escapeHtml(m.message)}</p>`);
      finish('failed', `Failed: ${m.message}`);
      break;
  }
}

function post(m: ToWorker): void {
  worker?.postMessage(m);
}

function launch(c: Current, engine: EngineChoice): void {
  run = { current: c, nouns: nounsOf(c.model, c.json, c.experiment) };
  summary = null;
  runEngine = null;
  $<HTMLProgressElement>('progress').value = 0;
  $('progress-pct').textContent = '0 %';
  $('progress-text').textContent = '—';
  $('engine-line').textContent = 'Engine: choosing…';
  $('engine-line').classList.remove('fallback');
  resetSummary();
  resetExports();
  resetPlots(c.model, c.experiment);
  setState('starting');
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => finish('failed', `Failed: ${e.message || 'the worker stopped'}`);
  post({ type: 'start', experiment: c.json, engine, command: c.command });
}

/** Validate, estimate (ask above a minute), then start. */
async function start(): Promise<void> {
  if (worker || !['ready', 'done', 'cancelled', 'failed'].includes(state)) return;
  const { current: c, problems } = experimentToStart();
  if (!c) {
    setState('ready', `Not started: ${problems} field${problems === 1 ? '' : 's'} to fix`);
    return;
  }
  const engine = engineChoice();
  setState('estimating');
  const est = await estimateForStart(c);
  pauseEstimates();
  const t = secondsOf(c, est);
  if (t && t.seconds > ASK_ABOVE_SECONDS) {
    $('confirm-text').textContent = `This run is estimated to take ${t.atLeast ? 'more than' : 'about'} ${fmtTime(t.seconds)} on ${est.state === 'done' ? est.rate.engine : 'this engine'}. Start it anyway?`;
    setState('confirming');
    const go = await new Promise<boolean>((ok) => { confirmed = ok; });
    confirmed = null;
    if (!go) {
      setState('ready', 'Not started (estimated too long: fewer copies or steps make it shorter)');
      resumeEstimates();
      return;
    }
  }
  launch(c, engine);
}

$('btn-start').addEventListener('click', () => void start());
$('scenario').addEventListener('submit', (e) => { e.preventDefault(); void start(); });
$('btn-confirm-start').addEventListener('click', () => confirmed?.(true));
$('btn-confirm-cancel').addEventListener('click', () => confirmed?.(false));
$('btn-pause').addEventListener('click', () => {
  if (state === 'running') { post({ type: 'pause' }); setState('pausing'); }
  else if (state === 'paused' || state === 'pausing') { post({ type: 'resume' }); setState('running'); }
});
$('btn-cancel').addEventListener('click', () => {
  if (!worker) return;
  post({ type: 'cancel' });
  setState('cancelling');
  // A dispatch in flight cannot be interrupted: if the worker does not answer soon, stop it outright.
  const w = worker;
  setTimeout(() => {
    if (worker === w && state === 'cancelling') {
      showSummaryPlaceholder('<p class="placeholder">The run was cancelled; nothing was kept.</p>');
      finish('cancelled');
    }
  }, 3000);
});

/** Once the experiment validates again, a "Not started: … to fix" (or "estimated too long") line gives way to Ready. */
onExperiment((c) => { if (c && state === 'ready' && $('run-state').textContent !== TEXT.ready) setState('ready'); });

/** The page has shown its first experiment: runs may start. */
export function readyToRun(): void {
  setState('ready');
}
