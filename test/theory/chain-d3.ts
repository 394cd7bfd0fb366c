/**
 * Shared by the d = 3 chain comparisons (diffusion-d3-vs-chain*.test.ts): run the chain on the CPU engine to the
 * flow time t = αK = 30 and compare P(success) and every P(vertex) with src/theory/diffusion-d3.ts, within 4 binomial
 * standard errors plus the stated discretisation error.
 */
import { expect } from 'vitest';
import { resolveScenario } from '../../src/models/chain/scenario.ts';
import { CpuEngine } from '../../src/models/chain/cpu-engine.ts';
import { predictSuccessD3 } from '../../src/theory/diffusion-d3.ts';

export interface ChainD3Case {
  rates: number[];
  initialWeights?: number[];
  alpha: number;
  noise?: { law: 'uniform' | 'rademacher'; halfWidth: number };
  seed: string;
}

/** Run the chain and compare P(success) and every P(vertex) with the prediction; returns both for the record. */
export async function compareWithChain(input: ChainD3Case, n = 100_000) {
  const K = Math.round(30 / input.alpha);
  const s = resolveScenario({ model: 'chain', rates: input.rates, initialWeights: input.initialWeights, alpha: input.alpha, noise: input.noise, steps: K, trajectories: n, seed: input.seed, checkpoints: [K] });
  const last = (await new CpuEngine().run(s)).checkpoints.at(-1)!;
  expect((last.belowDelta[0]! + last.n - last.successCount) / last.n).toBeGreaterThan(0.9995);
  const pr = predictSuccessD3(s);
  expect(pr.applies).toBe(true);
  const check = (hat: number, theory: number, err: number, what: string) => {
    const se = Math.sqrt(Math.max(hat * (1 - hat), 1 / last.n) / last.n);
    expect(Math.abs(hat - theory), `${what}: chain ${hat} ± ${se}, diffusion ${theory} ± ${err}`).toBeLessThan(4 * se + err);
  };
  check(last.successCount / last.n, pr.pSuccess, pr.discretisationError, 'P(success)');
  last.vertexCounts.forEach((c, j) => check(c / last.n, pr.pVertex[j]!, pr.vertexErrors[j]!, `P(vertex ${j})`));
  const fmt = (v: number[]) => v.map((x) => x.toFixed(5)).join(', ');
  console.info(`${input.seed}: chain P(vertex) (${fmt(last.vertexCounts.map((c) => c / last.n))}), n = ${last.n}; diffusion (${fmt(pr.pVertex)}) ± ${pr.discretisationError.toExponential(1)}`);
  return { chain: last.vertexCounts.map((c) => c / last.n), theory: pr.pVertex };
}

