/** The shipped experiments of this model (experiments/many-small-updates*.json), bundled into the page as presets. */
import manySmallUpdates from '../../../experiments/many-small-updates.json' with { type: 'json' };
import manySmallUpdatesNetwork from '../../../experiments/many-small-updates-network.json' with { type: 'json' };
import { preset, type Preset } from '../../core/preset.ts';

export const PRESETS: Preset[] = [
  preset('many-small-updates', manySmallUpdates),
  preset('many-small-updates-network', manySmallUpdatesNetwork),
];
