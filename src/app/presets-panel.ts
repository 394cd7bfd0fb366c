/**
 * The preset menu (the shipped experiments of every model, grouped by model) and what the page says about the
 * experiment shown: its name, model and description (the file's `description`), and its cost — the total work in
 * the model's own unit (Σ copies × work per copy, as the run layer counts it) and the time it should take on the
 * engine this browser gives, from a short calibration run (calibrator.ts).
 */
import { modelOf } from '../models/registry.ts';
import { batchCounts } from '../run/batch-plan.ts';
import { escapeHtml } from '../report/html.ts';
import { Calibrator, type Estimate } from './calibrator.ts';
import { currentExperiment, onExperiment, showExperiment, type Current } from './editor.ts';
import { engineChoice } from './form.ts';
import { $, fmtNum, fmtTime } from './format.ts';
import { nounsOf, totalWork } from '../run/model-nouns.ts';
import { PRESETS, presetById } from './presets.ts';

/** Runs estimated above this many seconds ask before they start. */
export const ASK_ABOVE_SECONDS = 60;

const select = $<HTMLSelectElement>('f-preset');
const calibrator = new Calibrator();
let idle = true;
let timer: ReturnType<typeof setTimeout> | null = null;

function buildMenu(): void {
  const groups = new Map<string, string[]>();
  for (const p of PRESETS) {
    let title = p.model ?? '';
    try { title = modelOf(p.json).title; } catch { /* grouped by its scenario.model */ }
    const d = String(p.json.description ?? '');
    (groups.get(title) ?? groups.set(title, []).get(title)!).push(`<option value="${escapeHtml(p.id)}" title="${escapeHtml(d)}">${escapeHtml(p.id)}</option>`);
  }
  select.innerHTML = '<option value="">custom</option>' +
    [...groups].map(([t, opts]) => `<optgroup label="${escapeHtml(t)}">${opts.join('')}</optgroup>`).join('');
}

/** Seconds the run should take at a calibrated rate (its work, and each batch's cost besides), and whether that is a lower bound. */
export function secondsOf(c: Current, e: Estimate): { seconds: number; atLeast: boolean } | null {
  if (e.state !== 'done') return null;
  const batches = batchCounts(c.experiment).reduce((a, b) => a + b, 0);
  return { seconds: totalWork(c.experiment).work / e.rate.rate + batches * e.rate.batchSeconds, atLeast: e.rate.atMost };
}

function showTime(c: Current, e: Estimate): void {
  const el = $('cost-time');
  const nouns = nounsOf(c.model, c.json, c.experiment);
  el.dataset.state = e.state;
  if (e.state === 'pending') { el.textContent = 'estimating the time on this browser’s engine…'; return; }
  if (e.state === 'failed') { el.textContent = `time: no estimate (${e.message})`; return; }
  const t = secondsOf(c, e)!;
  const perBatch = e.rate.batchSeconds >= 0.05 ? ` + ${fmtTime(e.rate.batchSeconds)} per batch` : '';
  el.textContent = `${t.atLeast ? 'more than' : 'about'} ${fmtTime(t.seconds)} on ${e.rate.engine} ` +
    `(calibrated: ${t.atLeast ? 'under ' : ''}${fmtNum(e.rate.rate)} ${nouns.work}/s${perBatch})`;
  el.classList.toggle('long', t.seconds > ASK_ABOVE_SECONDS);
}

/** The preset the experiment shown was last equal to (its description is kept through edits). */
let editedFrom: string | null = null;

function showAbout(c: Current | null): void {
  $('about').dataset.valid = String(!!c);
  $('cost-sep').hidden = !c;
  if (!c) {
    $('cost-work').textContent = 'fix the experiment to see its cost';
    $('cost-time').textContent = '';
    return;
  }
  select.value = c.preset ?? '';
  if (c.preset) editedFrom = c.preset;
  $('exp-name').textContent = c.experiment.name;
  $('exp-model').textContent = c.model.title;
  // A preset edited into another experiment keeps the preset's description (its sizes, its question): said so.
  const description = c.experiment.description ?? String(c.json.description ?? '');
  const from = !c.preset && editedFrom ? presetById(editedFrom) : undefined;
  $('exp-description').textContent = from && description && from.json.description === description
    ? `Edited from the preset “${from.id}”; its description, which may no longer fit: ${description}`
    : description;
  $('exp-description').hidden = !$('exp-description').textContent;
  const { work, copies } = totalWork(c.experiment);
  const n = nounsOf(c.model, c.json, c.experiment);
  const u = c.experiment.units;
  const per = u.length === 1
    ? `${u[0]!.trajectories.toLocaleString('en')} ${n.copies} × ${fmtNum(u[0]!.workPerCopy)} steps each`
    : `${u.length} grid points, ${copies.toLocaleString('en')} ${n.copies} in all`;
  $('cost-work').textContent = `${fmtNum(work)} ${n.work} (${per})`;
  scheduleEstimate(c);
}

function scheduleEstimate(c: Current): void {
  if (timer) clearTimeout(timer);
  const engine = engineChoice();
  showTime(c, calibrator.peek(c.json, engine));
  if (!idle) return;
  timer = setTimeout(() => {
    timer = null;
    if (!idle || currentExperiment() !== c) return;
    const e = calibrator.estimate(c.json, engine, (done) => { if (currentExperiment() === c) showTime(c, done); });
    showTime(c, e);
  }, 300);
}

/** The estimate for the experiment about to start (waits for its calibration); calibration pauses until `resume`. */
export async function estimateForStart(c: Current): Promise<Estimate> {
  if (timer) { clearTimeout(timer); timer = null; }
  const engine = engineChoice();
  const e = await calibrator.settle(c.json, engine);
  showTime(c, e);
  return e;
}

/** A run is active: no calibration competes with it. */
export function pauseEstimates(): void {
  idle = false;
  calibrator.stop();
}

export function resumeEstimates(): void {
  idle = true;
  const c = currentExperiment();
  if (c) scheduleEstimate(c);
}

export function setMenuDisabled(disabled: boolean): void {
  select.disabled = disabled;
}

buildMenu();
select.addEventListener('change', () => {
  const p = presetById(select.value);
  if (p) showExperiment(structuredClone(p.json));
});
onExperiment(showAbout);
