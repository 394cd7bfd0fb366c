/** The shipped experiments of this model (experiments/*.json), bundled into the page as presets. */
import hebbianPhase from '../../../experiments/hebbian-phase.json' with { type: 'json' };
import { preset, type Preset } from '../../core/preset.ts';

export const PRESETS: Preset[] = [
  preset('hebbian-phase', hebbianPhase),
];
