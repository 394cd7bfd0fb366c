/**
 * The d = 3 diffusion prediction against the chain (see diffusion-d3-vs-chain.test.ts for the method): a close second
 * and third input, λ⊙w(0) = (9.5, 10, 9) from λ = (9.5, 5, 9), w(0) = (1, 2, 1) (all three vertices likely, the leader
 * not input 0); and
 * Rademacher noise at λ = (10, 7.5, 5). 100 000 trajectories each, α = 0.05.
 */
import { describe, it } from 'vitest';
import { compareWithChain } from './chain-d3.ts';

describe('d = 3 diffusion against the chain, other λ and noise', () => {
  it('λ⊙w(0) = (9.5, 10, 9) (close second and third; i* = 1), uniform noise, α = 0.05', async () => {
    await compareWithChain({ rates: [9.5, 5, 9], initialWeights: [1, 2, 1], alpha: 0.05, seed: 'diffusion-d3-c' });
  }, 120_000);
  it('λ = (10, 7.5, 5), Rademacher noise ±1, α = 0.05', async () => {
    await compareWithChain({ rates: [10, 7.5, 5], alpha: 0.05, noise: { law: 'rademacher', halfWidth: 1 }, seed: 'diffusion-d3-d' });
  }, 120_000);
});
