/**
 * The chain's form (its markup in form-html.ts): every field of a chain experiment file, read into the experiment
 * JSON that the CLI's schema validates (parseExperiment), written back from one, and the schema's refusals shown next
 * to the field they name. The page (src/app) mounts it through the model's page hook (index.ts).
 */
import { seedFromText } from '../../../core/seed-text.ts';
import { parseExperiment, type Experiment } from '../experiment.ts';
import { NOISE_LAWS } from '../scenario.ts';
import { ScenarioError } from '../../../core/errors.ts';
import type { ModelForm, PageIssue } from '../../../run/model-page.ts';
import { FORM_HTML } from './form-html.ts';

export type FieldId =
  | 'name' | 'd' | 'rates' | 'initialWeights' | 'alpha' | 'law' | 'halfWidth' | 'sd' | 'steps' | 'checkpoints'
  | 'trajectories' | 'seed' | 'keepPaths' | 'allowTies' | 'batches' | 'sweep' | 'target'
  | 'gamma' | 'correlation' | 'schedule';

type Issue = PageIssue;

const $ = <T extends HTMLElement = HTMLInputElement>(id: string) => document.getElementById(id) as T;
const input = (f: FieldId) => $<HTMLInputElement>(`f-${f}`);

/** A number field: '' → undefined, a numeric text → number, anything else is passed on for the schema to refuse. */
function numOrRaw(s: string): unknown {
  const t = s.trim();
  if (t === '') return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : t;
}

function list(s: string): unknown[] | undefined {
  const t = s.trim();
  if (!t) return undefined;
  return t.split(/[\s,;]+/).filter(Boolean).map(numOrRaw);
}

/** Form-level problems found before the schema runs (unparsable JSON). */
export class FormError extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  }
}

/** The experiment JSON the form describes (not yet validated). Extra fields of the loaded file are kept. */
let extras: Record<string, unknown> = {};

export function readExperimentJson(): Record<string, unknown> {
  const issues: Issue[] = [];
  const json = (f: FieldId): unknown => {
    const t = ($<HTMLTextAreaElement>(`f-${f}`)).value.trim();
    if (!t) return undefined;
    try {
      return JSON.parse(t);
    } catch (e) {
      issues.push({ path: f, message: `is not valid JSON (${(e as Error).message})` });
      return undefined;
    }
  };
  // d sizes the rate and weight lists (syncDependentFields); a value it cannot use was ignored without a word
  const dText = input('d').value.trim();
  if (dText !== '' && !(/^\d+$/.test(dText) && Number(dText) >= 2 && Number(dText) <= 64)) {
    issues.push({ path: 'd', message: `must be a whole number from 2 to 64 (the number of inputs), got ${dText}` });
  }
  const law = $<HTMLSelectElement>('f-law').value;
  const sd = numOrRaw(input('sd').value);
  const cpMode = $<HTMLSelectElement>('f-cpMode').value;
  const cpText = input('checkpoints').value;
  let checkpoints: unknown;
  if (cpMode === 'every') checkpoints = { every: numOrRaw(cpText) };
  else if (cpMode === 'log') checkpoints = { log: numOrRaw(cpText) };
  else if (cpMode === 'list') checkpoints = list(cpText) ?? [];
  const seed = seedFromText(input('seed').value); // the command line's rule (src/core/seed-text.ts)
  const keep = numOrRaw(input('keepPaths').value);
  const scenario: Record<string, unknown> = {
    ...(extras.scenario as Record<string, unknown> | undefined),
    model: 'chain',
    rates: list(input('rates').value) ?? [],
    initialWeights: list(input('initialWeights').value),
    alpha: numOrRaw(input('alpha').value),
    noise: { law, halfWidth: numOrRaw(input('halfWidth').value), ...(law === 'truncnormal' && sd !== undefined ? { sd } : {}) },
    steps: numOrRaw(input('steps').value),
    checkpoints,
    trajectories: numOrRaw(input('trajectories').value),
    seed,
    keepPaths: keep === 0 ? undefined : keep,
    allowTies: input('allowTies').checked || undefined,
    // Extensions (Section 5): Γ and the rate schedule as JSON, the correlation variant from its select.
    gamma: json('gamma'),
    correlation: $<HTMLSelectElement>('f-correlation').value || undefined,
    schedule: json('schedule'),
  };
  for (const k of Object.keys(scenario)) if (scenario[k] === undefined) delete scenario[k];
  const out: Record<string, unknown> = { ...extras, name: input('name').value.trim(), scenario };
  delete out.sweep; delete out.target; delete out.batches;
  const sweep = json('sweep'), target = json('target');
  if (sweep !== undefined) out.sweep = sweep;
  if (target !== undefined) out.target = target;
  const batches = numOrRaw(input('batches').value);
  if (batches !== undefined) out.batches = batches;
  if (issues.length) throw new FormError(issues);
  return out;
}

/** Fill the form from an experiment JSON (a preset or a shared URL). */
export function writeExperimentJson(j: Record<string, unknown>): void {
  const { name, scenario, sweep, target, batches, ...rest } = j as any;
  const sc = (scenario ?? {}) as Record<string, any>;
  const { model: _m, rates, initialWeights, alpha, noise, steps, checkpoints, trajectories, seed, keepPaths, allowTies, gamma, correlation, schedule, ...scRest } = sc;
  extras = { ...rest, ...(Object.keys(scRest).length ? { scenario: scRest } : {}) };
  const str = (v: unknown) => (v === undefined || v === null ? '' : Array.isArray(v) ? v.join(', ') : String(v));
  input('name').value = str(name);
  input('rates').value = str(rates);
  input('d').value = Array.isArray(rates) ? String(rates.length) : '';
  input('initialWeights').value = str(initialWeights);
  input('alpha').value = str(alpha);
  $<HTMLSelectElement>('f-law').value = noise?.law ?? 'uniform';
  input('halfWidth').value = str(noise?.halfWidth ?? 1);
  input('sd').value = str(noise?.sd);
  input('steps').value = str(steps);
  const cp = $<HTMLSelectElement>('f-cpMode');
  if (checkpoints === undefined) { cp.value = 'default'; input('checkpoints').value = ''; }
  else if (Array.isArray(checkpoints)) { cp.value = 'list'; input('checkpoints').value = checkpoints.join(', '); }
  else if ('every' in checkpoints) { cp.value = 'every'; input('checkpoints').value = str(checkpoints.every); }
  else { cp.value = 'log'; input('checkpoints').value = str(checkpoints.log); }
  input('trajectories').value = str(trajectories);
  input('seed').value = str(seed);
  input('keepPaths').value = str(keepPaths ?? 0);
  input('allowTies').checked = !!allowTies;
  input('batches').value = str(batches);
  $<HTMLTextAreaElement>('f-sweep').value = sweep ? JSON.stringify(sweep, null, 1) : '';
  $<HTMLTextAreaElement>('f-target').value = target ? JSON.stringify(target, null, 1) : '';
  $<HTMLTextAreaElement>('f-gamma').value = gamma ? JSON.stringify(gamma) : '';
  $<HTMLSelectElement>('f-correlation').value = correlation ?? '';
  $<HTMLTextAreaElement>('f-schedule').value = schedule ? JSON.stringify(schedule) : '';
  ($<HTMLDetailsElement>('extensions')).open = !!(gamma || schedule);
  syncDependentFields();
}

/** d drives the length of the rate and weight lists; sd is for the truncated normal only. */
export function syncDependentFields(changed?: FieldId): void {
  const rates = input('rates'), w = input('initialWeights'), d = input('d');
  if (changed === 'd') {
    const n = Number(d.value);
    if (Number.isInteger(n) && n >= 2 && n <= 64) {
      const resize = (el: HTMLInputElement, fill: string) => {
        const xs = el.value.split(/[\s,;]+/).filter(Boolean);
        if (!xs.length && el === w) return;
        while (xs.length < n) xs.push(fill);
        el.value = xs.slice(0, n).join(', ');
      };
      resize(rates, '1');
      resize(w, '1');
    }
  } else if (changed === 'rates' || changed === undefined) {
    const n = rates.value.split(/[\s,;]+/).filter(Boolean).length;
    if (n) d.value = String(n);
  }
  const law = $<HTMLSelectElement>('f-law').value;
  input('sd').disabled = law !== 'truncnormal';
  input('checkpoints').disabled = $<HTMLSelectElement>('f-cpMode').value === 'default';
}

/** Which form field an issue path names ("scenario.rates[1]" → rates, "sweep point 2 (…): …" → sweep). */
export function fieldOf(path: string): FieldId | null {
  if (path.startsWith('sweep')) return 'sweep';
  if (path.startsWith('target')) return 'target';
  if (path === 'batches') return 'batches';
  if (path === 'name') return 'name';
  if (path === 'd') return 'd';
  const m = /^scenario\.([A-Za-z]+)(?:\.([A-Za-z]+))?/.exec(path);
  if (!m) return null;
  const [, k, sub] = m;
  if (k === 'noise') return sub === 'sd' ? 'sd' : sub === 'halfWidth' ? 'halfWidth' : 'law';
  const known: FieldId[] = ['rates', 'initialWeights', 'alpha', 'steps', 'checkpoints', 'trajectories', 'seed', 'keepPaths', 'allowTies', 'gamma', 'correlation', 'schedule'];
  return (known as string[]).includes(k!) ? (k as FieldId) : null;
}

const FIELDS: FieldId[] = ['name', 'd', 'rates', 'initialWeights', 'alpha', 'law', 'halfWidth', 'sd', 'steps', 'checkpoints',
  'trajectories', 'seed', 'keepPaths', 'allowTies', 'batches', 'sweep', 'target', 'gamma', 'correlation', 'schedule'];

export function clearErrors(): void {
  for (const f of FIELDS) {
    const el = document.getElementById(`f-${f}`);
    el?.removeAttribute('aria-invalid');
    const e = document.getElementById(`err-${f}`);
    if (e) { e.textContent = ''; e.hidden = true; }
  }
}

/** Shows each issue next to its field: the first field with an error, and the issues that name no field. */
export function showErrors(issues: Issue[]): { first: HTMLElement | null; rest: Issue[] } {
  clearErrors();
  let first: HTMLElement | null = null;
  const rest: Issue[] = [];
  for (const i of issues) {
    const f = fieldOf(i.path) ?? (i.path === 'sweep' || i.path === 'target' ? (i.path as FieldId) : null);
    const err = f ? document.getElementById(`err-${f}`) : null;
    if (f && err) {
      const el = document.getElementById(`f-${f}`)!;
      el.setAttribute('aria-invalid', 'true');
      err.hidden = false;
      const line = `${i.path}: ${i.message}`;
      err.textContent = err.textContent ? `${err.textContent}\n${line}` : line;
      first ??= el;
    } else rest.push(i);
  }
  return { first, rest };
}

/** Validate the form with the CLI's schema: the experiment JSON and its parsed form, or the issues. */
export function validateForm(): { ok: true; json: Record<string, unknown>; experiment: Experiment } | { ok: false; issues: Issue[] } {
  let json: Record<string, unknown>;
  try {
    json = readExperimentJson();
  } catch (e) {
    if (e instanceof FormError) return { ok: false, issues: e.issues };
    throw e;
  }
  try {
    return { ok: true, json, experiment: parseExperiment(json) };
  } catch (e) {
    if (e instanceof ScenarioError) return { ok: false, issues: e.issues };
    return { ok: false, issues: [{ path: '(root)', message: (e as Error).message }] };
  }
}

export function noiseLawOptions(): string {
  return NOISE_LAWS.map((l) => `<option value="${l}">${l}</option>`).join('');
}

/** The chain's form, as the page's model hook gives it. */
export const chainForm: ModelForm = {
  html: FORM_HTML,
  mount() {
    $<HTMLSelectElement>('f-law').innerHTML = noiseLawOptions();
  },
  write: writeExperimentJson,
  read(changed) {
    syncDependentFields(changed as FieldId | undefined);
    const v = validateForm();
    return v.ok ? { ok: true, json: v.json } : v;
  },
  showIssues: showErrors,
  clearIssues: clearErrors,
};
