/**
 * The d = 3 diffusion prediction (src/theory/diffusion-d3.ts) against simulations of the chain on the CPU engine,
 * the paper's setting λ = (10, 7.5, 5), w(0) = 1, uniform noise on [−1, 1] (Figure 2): 100 000 trajectories per α,
 * run to the flow time t = αK = 30 (by then every trajectory has decided: measured, at most a few in 10⁵ have
 * argmax = i* and 1 − p_{i*} ≥ 1e-2). Tolerance for P(success) and each P(vertex): 4 binomial standard errors plus
 * the stated discretisation error. The other cases (a close second input, Rademacher noise) are in
 * diffusion-d3-vs-chain-2.test.ts.
 */
import { describe, it } from 'vitest';
import { compareWithChain } from './chain-d3.ts';

describe('d = 3 diffusion against the chain, λ = (10, 7.5, 5), uniform noise', () => {
  it('α = 0.05 (independent value 0.1711; chain 0.1714 ± 0.0005)', async () => {
    await compareWithChain({ rates: [10, 7.5, 5], alpha: 0.05, seed: 'diffusion-d3-a' });
  }, 120_000);
  it('α = 0.02 (independent value 0.0648; chain 0.0649 ± 0.0004)', async () => {
    await compareWithChain({ rates: [10, 7.5, 5], alpha: 0.02, seed: 'diffusion-d3-b' });
  }, 120_000);
});
