/** The shipped experiments of this model (experiments/*.json), bundled into the page as presets. */
import hebbianPhase from '../../../experiments/hebbian-phase.json' with { type: 'json' };
import hebbianGradientNoise from '../../../experiments/hebbian-gradient-noise.json' with { type: 'json' };
import hebbianInputNoise from '../../../experiments/hebbian-input-noise.json' with { type: 'json' };
import { preset, type Preset } from '../../core/preset.ts';

export const PRESETS: Preset[] = [
  preset('hebbian-phase', hebbianPhase),
  preset('hebbian-gradient-noise', hebbianGradientNoise),
  preset('hebbian-input-noise', hebbianInputNoise),
];
