/** The shipped experiments of this model (experiments/*.json), bundled into the page as presets. */
import quickstart from '../../../experiments/quickstart.json' with { type: 'json' };
import fig2Simplex from '../../../experiments/fig2-simplex.json' with { type: 'json' };
import successD2 from '../../../experiments/success-vs-alpha-d2.json' with { type: 'json' };
import successD3 from '../../../experiments/success-vs-alpha-d3.json' with { type: 'json' };
import rateVsAlpha from '../../../experiments/rate-vs-alpha.json' with { type: 'json' };
import flowAgreement from '../../../experiments/flow-agreement.json' with { type: 'json' };
import fig6Correlated from '../../../experiments/fig6-correlated.json' with { type: 'json' };
import fig6CorrelatedFigureCode from '../../../experiments/fig6-correlated-figure-code.json' with { type: 'json' };
import correlationStrength from '../../../experiments/correlation-strength.json' with { type: 'json' };
import priming from '../../../experiments/priming.json' with { type: 'json' };
import { preset, type Preset } from '../../core/preset.ts';

export const PRESETS: Preset[] = [
  preset('quickstart', quickstart),
  preset('fig2-simplex', fig2Simplex),
  preset('success-vs-alpha-d2', successD2),
  preset('success-vs-alpha-d3', successD3),
  preset('rate-vs-alpha', rateVsAlpha),
  preset('flow-agreement', flowAgreement),
  preset('fig6-correlated', fig6Correlated),
  preset('fig6-correlated-figure-code', fig6CorrelatedFigureCode),
  preset('correlation-strength', correlationStrength),
  preset('priming', priming),
];
