/**
 * The page: the scenario form (validated by the CLI's schema), run controls, live plots fed by the simulation
 * worker, the summary and the exports. The URL carries the scenario (a preset and its changed fields, or the whole
 * experiment JSON) and the engine, so a view can be shared and reloaded.
 */
import { parseExperiment, type Experiment } from '../models/chain/experiment.ts';
import { adapterName, type EngineChoice } from '../engines/index.ts';
import type { EngineInfo } from '../engines/types.ts';
import { buildHtmlReport, escapeHtml, verdictClass } from '../report/html.ts';
import {
  clearErrors, engineChoice, noiseLawOptions, setEngineChoice, showErrors, syncDependentFields, validateForm,
  writeExperimentJson, type FieldId,
} from './form.ts';
import { renderInto, specToPng, specToSvg } from './plots-view.ts';
import { PRESETS, presetById } from './presets.ts';
import type { FromWorker, LiveProgress, ModelProgress, PlotJob, ReportParts, ToWorker } from './protocol.ts';
import { SimplexCanvas } from './simplex-canvas.ts';
import { wholeModelOf, type PageModel as WholeModel } from '../models/registry.ts';
import { ScenarioError } from '../core/errors.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

// ---------------------------------------------------------------------------------------------------------------
// form, URL and command line
// ---------------------------------------------------------------------------------------------------------------

const presetSelect = $<HTMLSelectElement>('f-preset');
presetSelect.innerHTML += PRESETS.map((p) => `<option value="${p.id}">${p.id}</option>`).join('');
$<HTMLSelectElement>('f-law').innerHTML = noiseLawOptions();

const OVERRIDES = ['trajectories', 'steps', 'seed'] as const;

/** An experiment that is no preset: the CLI command writes it to a file (heredoc) and runs it; the URL carries it whole. */
function asWholeFile(json: Record<string, unknown>, engine: EngineChoice): { command: string; query: URLSearchParams } {
  const file = `${String(json.name || 'experiment').replace(/[^A-Za-z0-9._-]+/g, '-')}.json`;
  return {
    command: `cat > ${file} <<'EOF'\n${JSON.stringify({ $schema: 'https://unpkg.com/stdp-mc/schema/experiment.schema.json', ...json }, null, 2)}\nEOF\nnpx stdp-mc run ${file} --engine ${engine} --force`,
    query: new URLSearchParams({ exp: JSON.stringify(json), engine }),
  };
}

/** The CLI command that runs what the form describes, and the URL query that reloads it. */
function describe(json: Record<string, unknown>, exp: Experiment, engine: EngineChoice): { command: string; query: URLSearchParams } {
  const sc = json.scenario as Record<string, unknown>;
  for (const p of PRESETS) {
    const psc = p.json.scenario as Record<string, unknown>;
    const o: Record<string, unknown> = {};
    for (const k of OVERRIDES) if (sc[k] !== undefined && sc[k] !== psc[k]) o[k] = sc[k];
    try {
      if (JSON.stringify(parseExperiment(p.json, o)) !== JSON.stringify(exp)) continue;
    } catch {
      continue;
    }
    const flags = OVERRIDES.filter((k) => o[k] !== undefined).map((k) => ` --${k} ${typeof o[k] === 'string' ? `'${String(o[k]).replace(/'/g, `'\\''`)}'` : o[k]}`).join('');
    const query = new URLSearchParams({ preset: p.id });
    for (const k of OVERRIDES) if (o[k] !== undefined) query.set(k, String(o[k]));
    query.set('engine', engine);
    return { command: `npx stdp-mc run ${p.file} --engine ${engine}${flags} --force`, query };
  }
  return asWholeFile(json, engine);
}

let lastValid: { json: Record<string, unknown>; experiment: Experiment; command: string } | null = null;

// ---------------------------------------------------------------------------------------------------------------
// models that run whole (several outputs, spiking network, Song, natural gradient, Hebbian): the experiment file as
// JSON, with the trajectories and the seed as fields; validated by the model's own parser (the CLI's)
// ---------------------------------------------------------------------------------------------------------------

let modelMode: WholeModel | null = null;
let lastModel: { json: Record<string, unknown>; command: string } | null = null;

function setModelMode(m: WholeModel | null): void {
  modelMode = m;
  $('model-fields').hidden = !m;
  $('chain-fields').hidden = !!m;
  document.body.dataset.model = m?.model ?? 'chain';
  const sub = document.querySelector('h1 .sub') as HTMLElement;
  sub.dataset.chain ??= sub.textContent ?? '';
  sub.textContent = m ? `Monte Carlo ensembles of learning trajectories — ${m.title}` : sub.dataset.chain;
  if (m) $('model-title').textContent = `Model: ${m.title}. It runs whole (no batches): it can be cancelled but not paused; gpu.js does not run it.`;
  for (const id of ['simplex-panel', 'plot-log-gap', 'plot-success-vs-step']) $(id).hidden = !!m;
  if (m) $('plot-success-vs-alpha').hidden = true;
}

function writeModelJson(j: Record<string, unknown>): void {
  const sc = (j.scenario ?? {}) as Record<string, unknown>;
  $<HTMLInputElement>('f-m-trajectories').value = sc.trajectories === undefined ? '' : String(sc.trajectories);
  $<HTMLInputElement>('f-m-seed').value = sc.seed === undefined ? '' : String(sc.seed);
  $<HTMLTextAreaElement>('f-model-json').value = JSON.stringify(j, null, 2);
}

/** The model experiment the fields describe (trajectories and seed written into the JSON's scenario). */
function readModelJson(): Record<string, unknown> {
  const j = JSON.parse($<HTMLTextAreaElement>('f-model-json').value) as Record<string, any>;
  if (!j || typeof j !== 'object' || !j.scenario || typeof j.scenario !== 'object') throw new ScenarioError([{ path: 'scenario', message: 'the experiment needs a scenario object' }]);
  const n = $<HTMLInputElement>('f-m-trajectories').value.trim();
  const seed = $<HTMLInputElement>('f-m-seed').value.trim();
  if (n) j.scenario.trajectories = /^\d+$/.test(n) ? Number(n) : n;
  if (seed) j.scenario.seed = /^\d+$/.test(seed) ? Number(seed) : seed;
  return j;
}

function validateModel(): { ok: true; json: Record<string, unknown> } | { ok: false; message: string } {
  let json: Record<string, unknown>;
  try {
    json = readModelJson();
  } catch (e) {
    if (e instanceof ScenarioError) return { ok: false, message: e.issues.map((i) => `${i.path}: ${i.message}`).join('\n') };
    return { ok: false, message: `not valid JSON: ${(e as Error).message}` };
  }
  const m = wholeModelOf(json);
  if (!m) return { ok: false, message: `scenario.model: this panel runs the models ${[...new Set(PRESETS.filter((q) => q.model).map((q) => q.model))].join(', ')}; choose a preset of the form for the others` };
  try {
    m.parse(json, {});
  } catch (e) {
    if (e instanceof ScenarioError) return { ok: false, message: e.issues.map((i) => `${i.path}: ${i.message}`).join('\n') };
    return { ok: false, message: (e as Error).message };
  }
  return { ok: true, json };
}

/** The CLI command and URL query for a model experiment: a preset with --trajectories/--seed, or the whole JSON. */
function describeModel(json: Record<string, any>, engine: EngineChoice): { command: string; query: URLSearchParams } {
  for (const p of PRESETS.filter((q) => q.model)) {
    const a = structuredClone(p.json) as Record<string, any>, b = structuredClone(json);
    const o: Record<string, unknown> = {};
    for (const k of ['trajectories', 'seed']) {
      if (b.scenario[k] !== undefined && b.scenario[k] !== a.scenario[k]) o[k] = b.scenario[k];
      delete a.scenario[k];
      delete b.scenario[k];
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) continue;
    const query = new URLSearchParams({ preset: p.id });
    for (const [k, v] of Object.entries(o)) query.set(k, String(v));
    query.set('engine', engine);
    const flags = Object.entries(o).map(([k, v]) => ` --${k} ${typeof v === 'string' ? `'${v.replace(/'/g, `'\\''`)}'` : v}`).join('');
    return { command: `npx stdp-mc run ${p.file} --engine ${engine}${flags} --force`, query };
  }
  return asWholeFile(json, engine);
}

function onModelChange(): void {
  const v = validateModel();
  const err = $('err-model');
  if (!v.ok) {
    err.textContent = v.message;
    err.hidden = false;
    lastModel = null;
    $('cli-command').textContent = '(fix the experiment above)';
    return;
  }
  err.hidden = true;
  const { command, query } = describeModel(v.json, engineChoice());
  lastModel = { json: v.json, command };
  $('cli-command').textContent = command;
  presetSelect.value = query.get('preset') ?? '';
  history.replaceState(null, '', `?${query.toString()}`);
}

/** Show an experiment: the chain's form, or the model panel for a model that runs whole. */
function showExperiment(j: Record<string, unknown>): void {
  const m = wholeModelOf(j);
  setModelMode(m);
  if (m) {
    writeModelJson(j);
    onModelChange();
  } else {
    writeExperimentJson(j);
    onFormChange();
  }
}

function onFormChange(changed?: FieldId): void {
  if (modelMode) return onModelChange();
  syncDependentFields(changed);
  const v = validateForm();
  if (!v.ok) {
    showErrors(v.issues);
    lastValid = null;
    $('cli-command').textContent = '(fix the highlighted fields)';
    return;
  }
  clearErrors();
  const { command, query } = describe(v.json, v.experiment, engineChoice());
  lastValid = { json: v.json, experiment: v.experiment, command };
  $('cli-command').textContent = command;
  presetSelect.value = query.get('preset') ?? '';
  history.replaceState(null, '', `?${query.toString()}`);
  updateSimplexNote(v.experiment);
}

function loadFromUrl(): void {
  const q = new URLSearchParams(location.search);
  setEngineChoice(q.get('engine'));
  const exp = q.get('exp');
  if (exp) {
    try {
      showExperiment(JSON.parse(exp));
      return;
    } catch {
      $('form-errors').textContent = 'The URL\'s experiment is not valid JSON; the quickstart preset is shown instead.';
      $('form-errors').hidden = false;
    }
  }
  const p = presetById(q.get('preset')) ?? PRESETS[0]!;
  const j = structuredClone(p.json) as Record<string, any>;
  for (const k of OVERRIDES) {
    const v = q.get(k);
    if (v !== null) j.scenario[k] = k !== 'seed' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : /^\d+$/.test(v) ? Number(v) : v;
  }
  if (q.has('steps') && Array.isArray(j.scenario.checkpoints)) j.scenario.checkpoints = j.scenario.checkpoints.filter((c: number) => c <= j.scenario.steps);
  showExperiment(j);
}

presetSelect.addEventListener('change', () => {
  const p = presetById(presetSelect.value);
  if (p) showExperiment(structuredClone(p.json));
  else onFormChange();
});
$('scenario').addEventListener('input', (e) => onFormChange(((e.target as HTMLElement).id ?? '').replace(/^f-/, '') as FieldId));
$('scenario').addEventListener('change', (e) => onFormChange(((e.target as HTMLElement).id ?? '').replace(/^f-/, '') as FieldId));
$('scenario').addEventListener('submit', (e) => { e.preventDefault(); start(); });

// ---------------------------------------------------------------------------------------------------------------
// run state
// ---------------------------------------------------------------------------------------------------------------

type State = 'ready' | 'starting' | 'running' | 'pausing' | 'paused' | 'cancelling' | 'done' | 'cancelled' | 'failed';
let state: State = 'ready';
let worker: Worker | null = null;
let runEngine: { info: EngineInfo; reason: string } | null = null;
let finalPlots: PlotJob[] = [];
let finalFiles: { summary: Record<string, unknown>; csv: { name: string; text: string }[]; report: ReportParts } | null = null;
const simplex = new SimplexCanvas($<HTMLCanvasElement>('simplex'));

function setState(s: State, text?: string): void {
  state = s;
  document.body.dataset.state = s;
  const el = $('run-state');
  el.textContent = text ?? ({
    ready: 'Ready', starting: 'Starting…', running: 'Running', pausing: 'Pausing at the end of this batch…', paused: 'Paused',
    cancelling: 'Cancelling…', done: 'Finished', cancelled: 'Cancelled', failed: 'Failed',
  } as Record<State, string>)[s];
  el.className = `state ${s === 'done' ? 'done' : s === 'failed' ? 'failed' : ''}`;
  const active = s === 'starting' || s === 'running' || s === 'pausing' || s === 'paused' || s === 'cancelling';
  $<HTMLButtonElement>('btn-start').disabled = active;
  const pause = $<HTMLButtonElement>('btn-pause');
  pause.disabled = !!modelMode || !(s === 'running' || s === 'paused');
  pause.title = modelMode ? 'A model that runs whole cannot pause (cancel stops it)' : '';
  pause.textContent = s === 'paused' || s === 'pausing' ? 'Resume' : 'Pause';
  $<HTMLButtonElement>('btn-cancel').disabled = !active || s === 'cancelling';
  $<HTMLFieldSetElement>('fields').disabled = active;
  presetSelect.disabled = active;
}

function showModelProgress(p: ModelProgress): void {
  const frac = p.total ? p.done / p.total : 0;
  $<HTMLProgressElement>('progress').value = frac;
  $('progress-pct').textContent = `${(100 * frac).toFixed(frac < 0.1 ? 1 : 0)} %`;
  const rate = p.done / p.activeSeconds;
  const eta = rate > 0 ? (p.total - p.done) / rate : NaN;
  $('progress-text').textContent = `${modelMode?.title ?? 'model'}: ${fmtNum(p.done)} / ${fmtNum(p.total)} units of work · ` +
    (p.done >= p.total ? `took ${fmtTime(p.activeSeconds)}` : `ETA ${fmtTime(eta)}`);
}

function fmtNum(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toPrecision(digits)} G`;
  if (a >= 1e6) return `${(v / 1e6).toPrecision(digits)} M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(digits)} k`;
  return String(Math.round(v * 1000) / 1000);
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '–';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function showProgress(p: LiveProgress): void {
  const frac = p.total ? p.done / p.total : 0;
  $<HTMLProgressElement>('progress').value = frac;
  $('progress-pct').textContent = `${(100 * frac).toFixed(frac < 0.1 ? 1 : 0)} %`;
  const rate = p.done / p.activeSeconds;
  const eta = rate > 0 ? (p.total - p.done) / rate : NaN;
  const grid = p.points > 1 ? `grid point ${p.point + 1}/${p.points} (${p.label}) · ` : '';
  $('progress-text').textContent =
    `${grid}trajectories ${p.trajectoriesDone.toLocaleString('en')} / ${p.trajectoriesTotal.toLocaleString('en')} · ` +
    `trajectory-steps ${fmtNum(p.done)} / ${fmtNum(p.total)} · ${fmtNum(rate)} trajectory-steps/s · ` +
    (p.done >= p.total ? `took ${fmtTime(p.activeSeconds)}` : `ETA ${fmtTime(eta)}`);
}

function showEngine(info: EngineInfo, reason: string, fallback: boolean): void {
  const el = $('engine-line');
  let what: string = info.name;
  if (info.name === 'webgpu') what = `WebGPU on ${adapterName(info.adapter)}`;
  else if (info.name === 'gpujs') what = `gpu.js, backend ${info.adapter?.backend ?? '?'}`;
  else what = 'CPU reference engine (f64, in a worker)';
  el.innerHTML = `<b>Engine:</b> ${escapeHtml(what)} · ${escapeHtml(info.precision)} · <span class="reason">${escapeHtml(reason)}</span>`;
  el.classList.toggle('fallback', fallback || /fell back|instead|runs$|so the/.test(reason) && !reason.startsWith('requested'));
}

function resetView(exp: Experiment): void {
  $<HTMLProgressElement>('progress').value = 0;
  $('progress-pct').textContent = '0 %';
  $('progress-text').textContent = '—';
  $('result-line').textContent = '';
  $('summary-view').innerHTML = '<p class="placeholder">Running…</p>';
  $('summary-json').textContent = '';
  $('export-buttons').innerHTML = '<p class="placeholder">Available when the run has finished.</p>';
  $('extra-plots').innerHTML = '';
  for (const id of ['plot-log-gap', 'plot-success-vs-step', 'plot-success-vs-alpha']) {
    const f = $(id);
    f.querySelector('.vega')!.innerHTML = '';
    (f.querySelector('.placeholder') as HTMLElement).hidden = false;
  }
  $('plot-success-vs-alpha').hidden = !(exp.points && exp.axes.includes('alpha'));
  $('plot-log-gap').hidden = false;
  $('plot-success-vs-step').hidden = false;
  finalPlots = [];
  finalFiles = null;
  updateSimplexNote(exp);
}

function updateSimplexNote(exp: Experiment): void {
  const ds = new Set((exp.points ?? [{ scenario: exp.scenario }]).map((p) => p.scenario.d));
  const keeps = (exp.points ?? [{ scenario: exp.scenario }]).some((p) => p.scenario.keepPaths > 0);
  const note = !ds.has(3) ? `The simplex view is drawn for d = 3 (this scenario has d = ${[...ds].join(', ')}).`
    : !keeps ? 'No sample paths are kept: set “Sample paths kept” > 0 to draw them.' : '';
  if (state !== 'running' && state !== 'paused' && state !== 'pausing') simplex.reset(note);
}

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
  const known: Record<string, string> = { 'log-gap': 'plot-log-gap', 'success-vs-step': 'plot-success-vs-step', 'success-vs-alpha': 'plot-success-vs-alpha' };
  if (!modelMode && known[job.name]) return $(known[job.name]!);
  if (!modelMode && job.name.endsWith('simplex')) return null;
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
    case 'model':
      $('engine-line').textContent = `Engine: chosen by the ${m.title} runner; shown when the run ends`;
      setState('running');
      break;
    case 'model-progress':
      showModelProgress(m.progress);
      break;
    case 'paused':
      setState('paused');
      break;
    case 'resumed':
      if (state === 'paused' || state === 'pausing') setState('running');
      break;
    case 'partial': {
      const p = m.trajectories ? m.successCount / m.trajectories : NaN;
      $('result-line').textContent = `${m.points > 1 ? `${m.label}: ` : ''}P(argmax p = i*) so far ${p.toFixed(4)} over ${m.trajectories.toLocaleString('en')} trajectories`;
      for (const job of m.plots) { const f = figureFor(job, false); if (f) void drawPlot(f, job.spec); }
      if (m.simplex) simplex.update(m.simplex);
      break;
    }
    case 'sweep':
      for (const job of m.plots) { const f = figureFor(job, job.name === 'success-vs-alpha'); if (f) void drawPlot(f, job.spec); }
      break;
    case 'done':
      finalPlots = m.plots;
      finalFiles = { summary: m.summary, csv: m.csv, report: m.report };
      for (const job of m.plots) { const f = figureFor(job, true); if (f) void drawPlot(f, job.spec); }
      if (m.plots.some((j) => j.name.startsWith('point'))) {
        // a small sweep: every grid point has its own plots now, so the live ones (last point) would repeat one
        $('plot-log-gap').hidden = true;
        $('plot-success-vs-step').hidden = true;
      }
      if (modelMode) showModelSummary(m.summary, m.report);
      else showSummary(m.summary);
      showExports();
      setState('done');
      stopWorker();
      break;
    case 'cancelled':
      setState('cancelled');
      $('summary-view').innerHTML = '<p class="placeholder">The run was cancelled; nothing was kept.</p>';
      stopWorker();
      break;
    case 'error':
      if (m.issues) showErrors(m.issues);
      setState('failed', `Failed: ${m.message}`);
      $('summary-view').innerHTML = `<p class="error">${escapeHtml(m.message)}</p>`;
      stopWorker();
      break;
  }
}

function stopWorker(): void {
  worker?.terminate();
  worker = null;
}

function post(m: ToWorker): void {
  worker?.postMessage(m);
}

function startWorker(json: Record<string, unknown>, engine: EngineChoice, command: string): void {
  $('engine-line').textContent = 'Engine: choosing…';
  $('engine-line').classList.remove('fallback');
  setState('starting');
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => {
    setState('failed', `Failed: ${e.message || 'the worker stopped'}`);
    stopWorker();
  };
  post({ type: 'start', experiment: json, engine, command });
}

function startModel(): void {
  onModelChange();
  const v = validateModel();
  if (!v.ok) {
    setState('ready', 'Not started: fix the experiment');
    $<HTMLTextAreaElement>('f-model-json').focus();
    return;
  }
  const engine = engineChoice();
  resetModelView();
  startWorker(v.json, engine, describeModel(v.json, engine).command);
}

function resetModelView(): void {
  $<HTMLProgressElement>('progress').value = 0;
  $('progress-pct').textContent = '0 %';
  $('progress-text').textContent = '—';
  $('result-line').textContent = '';
  $('summary-view').innerHTML = '<p class="placeholder">Running…</p>';
  $('summary-json').textContent = '';
  $('export-buttons').innerHTML = '<p class="placeholder">Available when the run has finished.</p>';
  $('extra-plots').innerHTML = '';
  finalPlots = [];
  finalFiles = null;
}

function start(): void {
  if (worker) return;
  if (modelMode) return startModel();
  onFormChange();
  const v = validateForm();
  if (!v.ok) {
    const first = showErrors(v.issues);
    setState('ready', `Not started: ${v.issues.length} field${v.issues.length === 1 ? '' : 's'} to fix`);
    first?.focus();
    return;
  }
  const engine = engineChoice();
  const { command } = describe(v.json, v.experiment, engine);
  resetView(v.experiment);
  startWorker(v.json, engine, command);
}

$('btn-start').addEventListener('click', start);
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
      stopWorker();
      setState('cancelled');
      $('summary-view').innerHTML = '<p class="placeholder">The run was cancelled; nothing was kept.</p>';
    }
  }, 3000);
});

// ---------------------------------------------------------------------------------------------------------------
// summary and exports
// ---------------------------------------------------------------------------------------------------------------

function fmt(v: unknown, digits = 4): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : '–';
}

function comparisonTable(rows: { quantity: string; empirical: number | null; interval: [number, number] | null; theory: number | null; verdict: string; note?: string }[]): string {
  if (!rows.length) return '';
  return `<table class="comparisons"><thead><tr><th>quantity</th><th>empirical [95 %]</th><th>theory</th><th>verdict</th></tr></thead><tbody>${rows.map((c) =>
    `<tr title="${escapeHtml(c.note ?? '')}"><td>${escapeHtml(c.quantity)}</td><td>${fmt(c.empirical)}${c.interval ? ` [${fmt(c.interval[0])}, ${fmt(c.interval[1])}]` : ''}</td>` +
    `<td>${fmt(c.theory)}</td><td><span class="verdict ${verdictClass(c.verdict)}">${escapeHtml(c.verdict)}</span></td></tr>`).join('')}</tbody></table>`;
}

function showSummary(s: Record<string, any>): void {
  $('summary-json').textContent = JSON.stringify(s, null, 2);
  const timing = s.timing ?? {};
  const engine = s.engine ?? {};
  const head = `<dl class="kv">
    <dt>engine</dt><dd>${escapeHtml(engine.name)} (${escapeHtml(engine.runtime)}${engine.adapter?.backend ? `, backend ${escapeHtml(engine.adapter.backend)}` : engine.adapter ? `, ${escapeHtml(adapterName(engine.adapter))}` : ''}) — ${escapeHtml(engine.reason)}</dd>
    <dt>time</dt><dd>${fmt(timing.wallSeconds, 3)} s, ${fmtNum(timing.trajectoryStepsPerSecond)} trajectory-steps/s</dd>`;
  if (s.points) {
    const rows = (s.points as any[]).map((p) => `<tr><td>${escapeHtml(p.label)}</td><td>${fmt(p.final.successProbability)}</td><td>[${fmt(p.final.successCI95[0])}, ${fmt(p.final.successCI95[1])}]</td><td>${p.final.trajectories}</td></tr>`).join('');
    $('summary-view').innerHTML = `${head}<dt>grid points</dt><dd>${s.points.length} (${escapeHtml(s.sweep.axes.join(', '))})</dd></dl>
      <table class="comparisons"><thead><tr><th>grid point</th><th>P(argmax p(K) = i*)</th><th>95 % CI (Wilson)</th><th>N</th></tr></thead><tbody>${rows}</tbody></table>
      <h3>Empirical against theory</h3>${comparisonTable([...(s.points as any[]).flatMap((p) => p.comparisons.filter((c: any) => c.verdict !== 'not comparable').map((c: any) => ({ ...c, quantity: `${p.label}: ${c.quantity}` }))), ...s.comparisons])}`;
    const best = (s.points as any[]).map((p) => `${fmt(p.final.successProbability, 3)}`).join(', ');
    $('result-line').textContent = `Finished: P(success) per grid point ${best}`;
    return;
  }
  const f = s.final;
  const sc = s.scenario;
  $('summary-view').innerHTML = `${head}
    <dt>P(argmax p(K) = i*)</dt><dd><b>${fmt(f.successProbability)}</b> [${fmt(f.successCI95[0])}, ${fmt(f.successCI95[1])}] (Wilson 95 %), N = ${f.trajectories}, K = ${f.step}</dd>
    <dt>P(argmax p(K) = i)</dt><dd>${(f.vertexProbabilities as number[]).map((v, i) => `i = ${i + 1}: ${fmt(v)}`).join(' · ')}</dd>
    <dt>scenario</dt><dd>d = ${sc.d}, λ = (${sc.rates.join(', ')}), p(0) = (${sc.p0.map((v: number) => fmt(v, 3)).join(', ')}), i* = ${sc.iStar + 1}, α = ${sc.alpha}, ${escapeHtml(sc.noise.law)} on [−${sc.noise.halfWidth}, ${sc.noise.halfWidth}], seed ${escapeHtml(JSON.stringify(sc.seed))}</dd>
    ${s.warnings?.length ? `<dt>warnings</dt><dd>${s.warnings.map(escapeHtml).join('<br>')}</dd>` : ''}
    </dl><h3>Empirical against theory</h3>${comparisonTable(s.comparisons)}`;
  $('result-line').textContent = `Finished: P(argmax p = i*) = ${fmt(f.successProbability)} [${fmt(f.successCI95[0])}, ${fmt(f.successCI95[1])}], N = ${f.trajectories.toLocaleString('en')}`;
}

/** The summary of a model that runs whole: engine, time, the report's parameters and its comparisons. */
function showModelSummary(s: Record<string, any>, report: ReportParts): void {
  $('summary-json').textContent = JSON.stringify(s, null, 2);
  const engine = s.engine ?? {};
  const params = Object.entries(report.parameters).filter(([k]) => k !== 'engine').map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
  const rows = report.comparisons.map((c) => `<tr title="${escapeHtml(c.note ?? '')}"><td>${escapeHtml(c.quantity)}</td><td>${escapeHtml(c.empirical)}</td>` +
    `<td>${escapeHtml(c.theory)}</td><td><span class="verdict ${verdictClass(c.verdict)}">${escapeHtml(c.verdict)}</span></td></tr>`).join('');
  $('summary-view').innerHTML = `<dl class="kv">
    <dt>engine</dt><dd>${escapeHtml(engine.name)} (${escapeHtml(engine.runtime)}${engine.adapter ? `, ${escapeHtml(adapterName(engine.adapter))}` : ''}) — ${escapeHtml(engine.reason)}</dd>
    <dt>time</dt><dd>${fmt(s.timing?.wallSeconds, 3)} s</dd>${params}</dl>
    ${rows ? `<h3>Measured against theory or the source</h3><table class="comparisons"><thead><tr><th>quantity</th><th>measured</th><th>theory / source</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table>` : ''}`;
  const verdicts = report.comparisons.map((c) => c.verdict);
  $('result-line').textContent = `Finished: ${report.comparisons.length} comparison${report.comparisons.length === 1 ? '' : 's'}` +
    (verdicts.length ? ` (${verdicts.filter((v) => v === 'agrees').length} agree, ${verdicts.filter((v) => v === 'disagrees').length} disagree)` : '');
}

function download(name: string, data: Blob | string, type = 'text/plain'): void {
  const blob = typeof data === 'string' ? new Blob([data], { type }) : data;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

async function reportHtml(): Promise<string> {
  const plots = [];
  for (const j of finalPlots) plots.push({ title: j.title, caption: j.caption, svg: await specToSvg(j.spec) });
  return buildHtmlReport({ ...finalFiles!.report, plots });
}

/** Every file of the run, as the CLI writes them (produced on demand). */
function exportFiles(): { name: string; make: () => Promise<Blob | string>; type: string }[] {
  if (!finalFiles) return [];
  const f = finalFiles;
  return [
    { name: 'summary.json', make: async () => JSON.stringify(f.summary, null, 2) + '\n', type: 'application/json' },
    ...f.csv.map((c) => ({ name: c.name, make: async () => c.text, type: 'text/csv' })),
    { name: 'report.html', make: reportHtml, type: 'text/html' },
    ...finalPlots.flatMap((j) => [
      { name: `${j.name}.svg`, make: () => specToSvg(j.spec), type: 'image/svg+xml' },
      { name: `${j.name}.png`, make: () => specToPng(j.spec), type: 'image/png' },
      { name: `${j.name}.vl.json`, make: async () => JSON.stringify(j.spec, null, 2) + '\n', type: 'application/json' },
    ]),
  ];
}

function showExports(): void {
  const box = $('export-buttons');
  box.innerHTML = '';
  const files = exportFiles();
  const group = (label: string, names: string[]) => {
    const g = document.createElement('div');
    g.className = 'group';
    g.innerHTML = `<span>${escapeHtml(label)}</span>`;
    for (const n of names) {
      const f = files.find((x) => x.name === n)!;
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = n;
      b.dataset.file = n;
      b.addEventListener('click', async () => download(n, await f.make(), f.type));
      g.appendChild(b);
    }
    box.appendChild(g);
  };
  const all = document.createElement('button');
  all.type = 'button';
  all.className = 'primary';
  all.textContent = `Download all (${files.length} files)`;
  all.addEventListener('click', async () => {
    for (const f of files) { download(f.name, await f.make(), f.type); await new Promise((r) => setTimeout(r, 150)); }
  });
  const g0 = document.createElement('div');
  g0.className = 'group';
  g0.appendChild(all);
  box.appendChild(g0);
  group('summary and tables', ['summary.json', ...finalFiles!.csv.map((c) => c.name), 'report.html']);
  for (const j of finalPlots) group(j.title, [`${j.name}.svg`, `${j.name}.png`, `${j.name}.vl.json`]);
}

$('btn-copy-cli').addEventListener('click', async () => {
  const text = (modelMode ? lastModel?.command : lastValid?.command) ?? $('cli-command').textContent ?? '';
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
  get state() { return state; },
  get summary() { return finalFiles?.summary ?? null; },
  get engine() { return runEngine; },
  get simplexPaths() { return simplex.pathCount; },
  exportFiles,
};

setState('ready');
loadFromUrl();
