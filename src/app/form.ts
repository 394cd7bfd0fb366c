/**
 * The scenario form's generic parts: the engine field, the box for problems that name no field, and the host of a
 * model's own form (src/run/model-page.ts's ModelForm): its markup is mounted once into #model-form, and shown alone
 * while that model's experiment is edited.
 */
import { ENGINE_CHOICES, type EngineChoice } from '../engines/index.ts';
import type { ModelForm, PageIssue } from '../run/model-page.ts';
import { $ } from './format.ts';

const roots = new Map<ModelForm, HTMLElement>();

/** The root element of a model's form, mounted on first use. */
function rootOf(form: ModelForm): HTMLElement {
  let root = roots.get(form);
  if (!root) {
    const t = document.createElement('template');
    t.innerHTML = form.html.trim();
    root = t.content.firstElementChild as HTMLElement;
    $('model-form').appendChild(root);
    roots.set(form, root);
    form.mount?.(root);
  }
  return root;
}

/** Show one model's form (mounting it first), or none. */
export function showForm(form: ModelForm | null): void {
  if (form) rootOf(form);
  for (const [f, root] of roots) root.hidden = f !== form;
}

function showGeneral(issues: PageIssue[]): HTMLElement | null {
  const g = $('form-errors');
  g.textContent = issues.map((i) => `${i.path}: ${i.message}`).join('\n');
  g.hidden = !issues.length;
  return issues.length ? g : null;
}

export function clearFormIssues(form: ModelForm): void {
  form.clearIssues();
  showGeneral([]);
}

/** Each problem next to its field (the others in the form's error box); the first element with one. */
export function showFormIssues(form: ModelForm, issues: PageIssue[]): HTMLElement | null {
  const { first, rest } = form.showIssues(issues);
  const g = showGeneral(rest);
  return first ?? g;
}

export function engineChoice(): EngineChoice {
  const v = $<HTMLSelectElement>('f-engine').value as EngineChoice;
  return ENGINE_CHOICES.includes(v) ? v : 'auto';
}

/** Select an engine; false (the selection unchanged) where `v` is none of the choices. */
export function setEngineChoice(v: string | null): boolean {
  if (!v || !(ENGINE_CHOICES as string[]).includes(v)) return false;
  $<HTMLSelectElement>('f-engine').value = v;
  return true;
}
