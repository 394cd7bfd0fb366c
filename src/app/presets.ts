/** The page's presets: the shipped experiments (experiments/*.json) of every model, from the registry. */
import type { Preset } from '../core/preset.ts';
import { PRESETS as ALL, wholeModelOf } from '../models/registry.ts';

export type { Preset };

/** `model` is set for the models the page runs through its JSON panel (every model but the chain, which has a form). */
export const PRESETS: Preset[] = ALL.map((p) => ({ ...p, model: wholeModelOf(p.json) ? p.model : undefined }));

export function presetById(id: string | null | undefined): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
