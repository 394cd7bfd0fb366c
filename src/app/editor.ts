/**
 * The experiment being edited, whatever its model: the model's own form where its page hook has one (form.ts mounts
 * it), else the JSON panel (json-panel.ts); both give the same validated experiment (its model from the registry,
 * parsed by the model as the CLI parses it), the equivalent CLI command and the URL that reloads it. The URL carries
 * a preset and its changed fields, or the whole experiment; an unusable URL is said in a notice that stays.
 */
import { seedFromText } from '../core/seed-text.ts';
import { OptionError } from '../core/errors.ts';
import { modelOf } from '../models/registry.ts';
import type { EnsembleModel, ModelExperiment } from '../run/model.ts';
import type { ModelForm, PageIssue } from '../run/model-page.ts';
import { ENGINE_CHOICES } from '../engines/index.ts';
import { clearFormIssues, engineChoice, setEngineChoice, showForm, showFormIssues } from './form.ts';
import { validateJsonPanel, writeJsonPanel } from './json-panel.ts';
import { describeRun, OVERRIDES } from './command-line.ts';
import { loadPage, pageLoaded, pageOf } from './model-pages.ts';
import { PRESETS, presetById } from './presets.ts';
import { $ } from './format.ts';

export interface Current {
  json: Record<string, unknown>;
  model: EnsembleModel;
  experiment: ModelExperiment;
  command: string;
  /** The preset it is (with the CLI's overrides), or null. */
  preset: string | null;
}

type Listener = (c: Current | null) => void;
const listeners: Listener[] = [];
let current: Current | null = null;

/** Hear every change of the experiment (null: it does not validate). */
export function onExperiment(l: Listener): void {
  listeners.push(l);
}

export function currentExperiment(): Current | null {
  return current;
}

/** The model's own form being edited, or null for the JSON panel. */
let form: ModelForm | null = null;
let shown = 0;

function setMode(model: EnsembleModel | null): void {
  const page = model ? pageOf(model) : null;
  form = page?.form ?? null;
  $('model-fields').hidden = !!form;
  showForm(form);
  document.body.dataset.model = model?.model ?? 'unknown';
  const sub = document.querySelector('h1 .sub') as HTMLElement;
  sub.textContent = page?.subtitle ?? `Monte Carlo ensembles of learning trajectories${model ? ` — ${model.title}` : ''}`;
  $('model-title').textContent = model
    ? `Model: ${model.title}. It runs in batches: pause takes effect between batches, cancel at once.`
    : 'The experiment names no known model (scenario.model).';
}

/** Show an experiment in its editor: its model's own form where it has one, else the JSON panel. */
export function showExperiment(j: Record<string, unknown>): void {
  let model: EnsembleModel | null = null;
  try { model = modelOf(j); } catch { /* shown in the panel with its error */ }
  const token = ++shown;
  if (model && !pageLoaded(model)) {
    // its page parts are still loading (the page loads them all before its first experiment): show it once they are
    void loadPage(model).then(() => { if (token === shown) showExperiment(j); });
    return;
  }
  setMode(model);
  if (form) form.write(j);
  else writeJsonPanel(j);
  onEdit();
}

/** Problems found when the run starts (the worker's parser): next to their fields, or under the JSON panel. */
export function showIssues(issues: PageIssue[]): void {
  if (form) { showFormIssues(form, issues); return; }
  $('err-model').textContent = issues.map((i) => `${i.path}: ${i.message}`).join('\n');
  $('err-model').hidden = !issues.length;
}

/** Validate what the editor shows, update the CLI command and the URL, and tell the listeners. */
export function onEdit(changed?: string): void {
  let json: Record<string, unknown> | null = null;
  if (form) {
    const v = form.read(changed);
    if (v.ok) { clearFormIssues(form); json = v.json; } else showFormIssues(form, v.issues);
  } else {
    const v = validateJsonPanel(changed);
    if (v.ok) json = v.json;
  }
  current = null;
  if (json) {
    try {
      const model = modelOf(json);
      const experiment = model.parse(json, {});
      const { command, query } = describeRun(json, model, engineChoice());
      current = { json, model, experiment, command, preset: query.get('preset') };
      history.replaceState(null, '', `?${query.toString()}`);
    } catch (e) {
      if (!form) { $('err-model').textContent = (e as Error).message; $('err-model').hidden = false; }
    }
  }
  $('cli-command').textContent = current?.command ?? (form ? '(fix the highlighted fields)' : '(fix the experiment above)');
  for (const l of listeners) l(current);
}

/** The experiment to start, or null with its problems shown and the first focused. */
export function experimentToStart(): { current: Current | null; problems: number } {
  onEdit();
  if (current) return { current, problems: 0 };
  if (form) {
    const v = form.read();
    const issues = v.ok ? [] : v.issues;
    showFormIssues(form, issues)?.focus();
    return { current: null, problems: Math.max(1, issues.length) };
  }
  $<HTMLTextAreaElement>('f-model-json').focus();
  return { current: null, problems: 1 };
}

/** Say what of the URL could not be used (several such notices are shown one after the other). */
function urlNotice(text: string): void {
  const el = $('url-notice-text');
  el.textContent = $('url-notice').hidden || !el.textContent ? text : `${el.textContent} ${text}`;
  $('url-notice').hidden = false;
}

/** Why the model of `json` refuses the command-line value `k` (its OptionError), or null where it takes it. */
function optionRefusal(json: Record<string, unknown>, k: string, value: unknown): string | null {
  try {
    modelOf(json).parse(json, { [k]: value });
    return null;
  } catch (e) {
    return e instanceof OptionError ? e.message : null;
  }
}

/** The experiment the URL names (a preset with overrides, or ?exp= JSON), else the first preset, with a notice. */
export function loadFromUrl(): void {
  const q = new URLSearchParams(location.search);
  const engine = q.get('engine');
  if (engine !== null && !setEngineChoice(engine)) urlNotice(`The URL’s engine “${engine}” is none of ${ENGINE_CHOICES.join(', ')}; the engine is ${engineChoice()}.`);
  const exp = q.get('exp');
  if (exp) {
    let j: unknown;
    try {
      j = JSON.parse(exp);
    } catch {
      urlNotice('The URL’s experiment (?exp=…) is not valid JSON; the first preset is shown instead.');
    }
    if (j && typeof j === 'object' && !Array.isArray(j)) return showExperiment(j as Record<string, unknown>);
    if (j !== undefined) urlNotice('The URL’s experiment (?exp=…) is not a JSON object; the first preset is shown instead.');
  }
  const id = q.get('preset');
  const p = presetById(id) ?? PRESETS[0]!;
  if (id && !presetById(id)) urlNotice(`The URL names no preset “${id}”; the first preset (${p.id}) is shown instead.`);
  const j = structuredClone(p.json) as Record<string, any>;
  for (const k of OVERRIDES) {
    const v = q.get(k);
    if (v === null) continue;
    const value = k === 'seed' ? seedFromText(v) ?? v : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    // A value the preset's model does not take (Song has a duration, not steps) is refused as the CLI's flag would be.
    const refusal = optionRefusal(p.json, k, value);
    if (refusal) { urlNotice(`The URL’s ${k}=${v} is not used: ${refusal}.`); continue; }
    j.scenario[k] = value;
  }
  if (q.has('steps') && Array.isArray(j.scenario.checkpoints)) j.scenario.checkpoints = j.scenario.checkpoints.filter((c: number) => c <= j.scenario.steps);
  showExperiment(j);
}

$('scenario').addEventListener('input', (e) => onEdit(((e.target as HTMLElement).id ?? '').replace(/^f-/, '')));
$('scenario').addEventListener('change', (e) => onEdit(((e.target as HTMLElement).id ?? '').replace(/^f-/, '')));
$('url-notice-close').addEventListener('click', () => { $('url-notice').hidden = true; });
