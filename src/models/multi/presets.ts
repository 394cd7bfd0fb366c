/** The shipped experiments of this model (experiments/*.json), bundled into the page as presets. */
import fig5Multi3 from '../../../experiments/fig5-multi-1e-3.json' with { type: 'json' };
import fig5Multi4 from '../../../experiments/fig5-multi-1e-4.json' with { type: 'json' };
import fig5Multi4Published from '../../../experiments/fig5-multi-1e-4-published.json' with { type: 'json' };
import { preset, type Preset } from '../../core/preset.ts';

export const PRESETS: Preset[] = [
  preset('fig5-multi-1e-3', fig5Multi3),
  preset('fig5-multi-1e-4', fig5Multi4),
  preset('fig5-multi-1e-4-published', fig5Multi4Published),
];
