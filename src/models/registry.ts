/**
 * The one list of models. The command line, the browser page's worker and presets, the JSON Schema and the tests read
 * it; nothing outside src/models/ names a model. Adding a model: a folder src/models/<name>/ with its definition.ts
 * (an EnsembleModel, src/run/model.ts) and presets.ts, and one line in MODELS and PRESETS below.
 *
 * Models built on another model do not import its folder: they declare what they use of it (spiking's
 * matching-chain.ts, rare-event's chain-port.ts) and are handed it here.
 */
import { z } from 'zod';
import { ScenarioError } from '../core/errors.ts';
import type { EnsembleModel } from '../run/model.ts';
import { chainModel } from './chain/definition.ts';
import { stepWithStream } from './chain/chain-math.ts';
import { hebbianModel } from './hebbian/definition.ts';
import { multiModel } from './multi/definition.ts';
import { natgradModel } from './natgrad/definition.ts';
import { rareEventModelOver } from './rare-event/definition.ts';
import { songModel } from './song/definition.ts';
import { spikingModelOver } from './spiking/definition.ts';
import { zeroOrderModel } from './zero-order/definition.ts';
import type { Preset } from '../core/preset.ts';
import { PRESETS as chainPresets } from './chain/presets.ts';
import { PRESETS as hebbianPresets } from './hebbian/presets.ts';
import { PRESETS as multiPresets } from './multi/presets.ts';
import { PRESETS as natgradPresets } from './natgrad/presets.ts';
import { PRESETS as rareEventPresets } from './rare-event/presets.ts';
import { PRESETS as songPresets } from './song/presets.ts';
import { PRESETS as spikingPresets } from './spiking/presets.ts';
import { PRESETS as zeroOrderPresets } from './zero-order/presets.ts';

/** The spiking network runs the matching chain beside it; rare-event estimates the chain's failure probability. */
const spikingModel = spikingModelOver(chainModel);
const rareEventModel = rareEventModelOver({ model: chainModel, step: stepWithStream });

/** Every model, in the order the page lists them. */
export const MODELS: EnsembleModel[] = [chainModel, rareEventModel, multiModel, spikingModel, songModel, hebbianModel, natgradModel, zeroOrderModel];

/** The page's presets: every model's shipped experiments, in the order of MODELS. */
export const PRESETS: Preset[] = [...chainPresets, ...rareEventPresets, ...multiPresets, ...spikingPresets, ...songPresets, ...hebbianPresets, ...natgradPresets, ...zeroOrderPresets];

export function modelNames(): string[] {
  return MODELS.map((m) => m.model);
}

export function modelByName(name: string): EnsembleModel | undefined {
  return MODELS.find((m) => m.model === name);
}

/**
 * The model an experiment file belongs to: the first whose `matches` claims it (rare-event files are chain files
 * with a rareEvent section), else the one its scenario.model names. Unknown or missing names are refused naming
 * the field and the models there are.
 */
export function modelOf(json: unknown): EnsembleModel {
  const claimed = MODELS.find((m) => m.matches?.(json));
  if (claimed) return claimed;
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new ScenarioError([{ path: '(root)', message: 'an experiment file must be a JSON object' }]);
  }
  const sc = (json as { scenario?: unknown }).scenario;
  if (!sc || typeof sc !== 'object' || Array.isArray(sc)) {
    throw new ScenarioError([{ path: 'scenario', message: 'required: an object with a "model" field' }]);
  }
  const name = (sc as { model?: unknown }).model;
  const found = typeof name === 'string' ? modelByName(name) : undefined;
  if (!found) {
    const known = modelNames().filter((n) => n !== 'rare-event').map((n) => `"${n}"`).join(', ');
    throw new ScenarioError([{
      path: 'scenario.model',
      message: name === undefined ? `required: one of ${known}` : `unknown model ${JSON.stringify(name)}: one of ${known}`,
    }]);
  }
  return found;
}

/** The published JSON Schema: the union of every model's experiment file, told apart by scenario.model. */
export function experimentJsonSchema(): object {
  const schemas = [...new Set(MODELS.map((m) => m.fileSchema()))];
  return z.toJSONSchema(z.union(schemas as [z.ZodType, z.ZodType, ...z.ZodType[]]).describe('An stdp-mc experiment file'), { io: 'input', unrepresentable: 'any' });
}
