/** The shipped experiments of this model (experiments/*.json), bundled into the page as presets. */
import spikingVsChain from '../../../experiments/spiking-vs-chain.json' with { type: 'json' };
import eq12RegimeMap from '../../../experiments/eq12-regime-map.json' with { type: 'json' };
import { preset, type Preset } from '../../core/preset.ts';

export const PRESETS: Preset[] = [
  preset('spiking-vs-chain', spikingVsChain),
  preset('eq12-regime-map', eq12RegimeMap),
];
