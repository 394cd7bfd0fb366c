/** The shipped experiments of this model (experiments/*.json with a rareEvent section), bundled into the page as presets. */
import rareFailure from '../../../experiments/rare-failure.json' with { type: 'json' };
import { preset, type Preset } from '../../core/preset.ts';

export const PRESETS: Preset[] = [
  preset('rare-failure', rareFailure),
];
