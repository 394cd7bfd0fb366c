/** The page's presets: the shipped experiments (experiments/*.json) of every model, from the registry. */
import type { Preset } from '../core/preset.ts';
import { PRESETS as ALL } from '../models/registry.ts';

export type { Preset };

export const PRESETS: Preset[] = ALL;

export function presetById(id: string | null | undefined): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
