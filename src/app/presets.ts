/** The shipped experiments (experiments/*.json), bundled into the page as presets. */
import quickstart from '../../experiments/quickstart.json';
import fig2Simplex from '../../experiments/fig2-simplex.json';
import successD2 from '../../experiments/success-vs-alpha-d2.json';
import successD3 from '../../experiments/success-vs-alpha-d3.json';
import rateVsAlpha from '../../experiments/rate-vs-alpha.json';
import flowAgreement from '../../experiments/flow-agreement.json';
import fig6Correlated from '../../experiments/fig6-correlated.json';
import priming from '../../experiments/priming.json';
import fig5Multi3 from '../../experiments/fig5-multi-1e-3.json';
import fig5Multi4 from '../../experiments/fig5-multi-1e-4.json';
import spikingVsChain from '../../experiments/spiking-vs-chain.json';
import eq12RegimeMap from '../../experiments/eq12-regime-map.json';
import song2000 from '../../experiments/song2000.json';
import hebbianPhase from '../../experiments/hebbian-phase.json';
import naturalGradientFig3 from '../../experiments/natural-gradient-fig3.json';

export interface Preset {
  id: string;
  file: string;
  json: Record<string, unknown>;
  /** scenario.model of the models that run whole (src/models/registry.ts); absent for the chain. */
  model?: string;
}

const strip = (j: Record<string, unknown>) => {
  const { $schema: _, ...rest } = j;
  return rest;
};

export const PRESETS: Preset[] = [
  { id: 'quickstart', file: 'experiments/quickstart.json', json: strip(quickstart as Record<string, unknown>) },
  { id: 'fig2-simplex', file: 'experiments/fig2-simplex.json', json: strip(fig2Simplex as Record<string, unknown>) },
  { id: 'success-vs-alpha-d2', file: 'experiments/success-vs-alpha-d2.json', json: strip(successD2 as Record<string, unknown>) },
  { id: 'success-vs-alpha-d3', file: 'experiments/success-vs-alpha-d3.json', json: strip(successD3 as Record<string, unknown>) },
  { id: 'rate-vs-alpha', file: 'experiments/rate-vs-alpha.json', json: strip(rateVsAlpha as Record<string, unknown>) },
  { id: 'flow-agreement', file: 'experiments/flow-agreement.json', json: strip(flowAgreement as Record<string, unknown>) },
  { id: 'fig6-correlated', file: 'experiments/fig6-correlated.json', json: strip(fig6Correlated as Record<string, unknown>) },
  { id: 'priming', file: 'experiments/priming.json', json: strip(priming as Record<string, unknown>) },
  ...[
    ['fig5-multi-1e-3', fig5Multi3], ['fig5-multi-1e-4', fig5Multi4], ['spiking-vs-chain', spikingVsChain],
    ['eq12-regime-map', eq12RegimeMap], ['song2000', song2000], ['hebbian-phase', hebbianPhase],
    ['natural-gradient-fig3', naturalGradientFig3],
  ].map(([id, j]) => {
    const json = strip(j as Record<string, unknown>);
    return { id: id as string, file: `experiments/${id}.json`, json, model: (json.scenario as { model?: string }).model };
  }),
];

export function presetById(id: string | null | undefined): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
