/** The shipped experiments of this model (experiments/*.json), bundled into the page as presets. */
import naturalGradientFig3 from '../../../experiments/natural-gradient-fig3.json' with { type: 'json' };
import natgradSweepReduced from '../../../experiments/natgrad-sweep-reduced.json' with { type: 'json' };
import natgradSweepFig9d from '../../../experiments/natgrad-sweep-fig9d.json' with { type: 'json' };
import { preset, type Preset } from '../../core/preset.ts';

export const PRESETS: Preset[] = [
  preset('natural-gradient-fig3', naturalGradientFig3),
  preset('natgrad-sweep-reduced', natgradSweepReduced),
  preset('natgrad-sweep-fig9d', natgradSweepFig9d),
];
