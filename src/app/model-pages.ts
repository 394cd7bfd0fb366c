/**
 * The models' own parts of the page (src/run/model-page.ts), each loaded once through the model's lazy `page` hook:
 * loadPage in the worker (engine selection, live view), loadPages before the page shows its first experiment, and
 * pageOf for what is loaded. A model without a hook, or whose hook fails to load, gets the page's generic views.
 */
import { MODELS } from '../models/registry.ts';
import type { EnsembleModel } from '../run/model.ts';
import type { ModelPage } from '../run/model-page.ts';

const loaded = new Map<EnsembleModel, ModelPage | null>();
const loading = new Map<EnsembleModel, Promise<ModelPage | null>>();

/** The model's page parts (null: it has none, or they failed to load). */
export function loadPage(model: EnsembleModel): Promise<ModelPage | null> {
  let p = loading.get(model);
  if (!p) {
    p = (model.page ? model.page() : Promise.resolve(null)).catch((e: unknown) => {
      console.warn(`the page parts of model ${model.model} failed to load: ${(e as Error)?.message ?? e}`);
      return null;
    }).then((page) => {
      loaded.set(model, page);
      return page;
    });
    loading.set(model, p);
  }
  return p;
}

/** Every model's page parts. */
export async function loadPages(): Promise<void> {
  await Promise.all(MODELS.map(loadPage));
}

/** Has the model's page (or its absence) been settled? */
export const pageLoaded = (model: EnsembleModel): boolean => !model.page || loaded.has(model);

/** The model's page parts, where loaded. */
export function pageOf(model: EnsembleModel): ModelPage | null {
  return loaded.get(model) ?? null;
}
