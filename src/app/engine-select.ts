/**
 * Engine selection in the browser, for any model (browserEngine): the model's own browser selection where its page
 * hook has one (src/run/model-page.ts: e.g. a fallback the browser offers and the CLI does not), else the model's
 * selectEngine, except that a named engine the browser cannot give falls back to the model's `auto` choice, saying why.
 */
import type { EngineChoice } from '../engines/index.ts';
import type { EnsembleModel } from '../run/model.ts';
import type { BrowserSelection } from '../run/model-page.ts';
import { loadPage } from './model-pages.ts';

/** The engine a model runs on in this browser for a choice, why, and whether it is not the one asked for. */
export async function browserEngine(model: EnsembleModel, choice: EngineChoice, exp?: unknown): Promise<BrowserSelection> {
  const own = (await loadPage(model))?.selectEngine;
  if (own) return own(choice, exp);
  try {
    const s = await model.selectEngine(choice, exp);
    return { engine: s.engine, reason: s.reason, fallback: choice !== 'auto' && s.engine.info.name !== choice };
  } catch (e) {
    if (choice === 'auto' || choice === 'cpu') throw e;
    const s = await model.selectEngine('auto', exp);
    const why = (e as Error).message.replace(/^engine \w+ is not available: /, '');
    return { engine: s.engine, reason: `${choice} was requested but ${why}; the ${s.engine.info.name} engine runs instead`, fallback: true };
  }
}
