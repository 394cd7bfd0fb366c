/** The shipped experiments of this model (experiments/*.json), bundled into the page as presets. */
import song2000 from '../../../experiments/song2000.json' with { type: 'json' };
import { preset, type Preset } from '../../core/preset.ts';

export const PRESETS: Preset[] = [
  preset('song2000', song2000),
];
