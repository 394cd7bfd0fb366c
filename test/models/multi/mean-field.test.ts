/**
 * The mean-field map of the several-outputs model (src/models/multi/mean-field.ts) against a direct transcription of
 * Algorithm 1/2 with B_j → p_j and Z → 0, written here with plain arrays: the projection onto the orthogonal complement
 * of span(w_1..w_{j−1}) taken as Δ − A(AᵀA)⁻¹AᵀΔ (normal equations, not Gram–Schmidt), so an orthogonal scenario that
 * were given the sequential projection (the map's earlier behaviour) would fail. The sequential projection is pinned
 * to the map's earlier numbers bit for bit (fig5's scenario).
 */
import { describe, expect, it } from 'vitest';
import { meanFieldP } from '../../../src/models/multi/mean-field.ts';
import { resolveMultiScenario } from '../../../src/models/multi/scenario.ts';

const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);

/** Solve the small symmetric system G x = r (Gaussian elimination with partial pivoting). */
function solve(G: number[][], r: number[]): number[] {
  const n = r.length, A = G.map((row, i) => [...row, r[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(A[i]![c]!) > Math.abs(A[piv]![c]!)) piv = i;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    for (let i = 0; i < n; i++) {
      if (i === c) continue;
      const f = A[i]![c]! / A[c]![c]!;
      for (let k = c; k <= n; k++) A[i]![k] = A[i]![k]! - f * A[c]![k]!;
    }
  }
  return A.map((row, i) => row[n]! / row[i]!);
}

function reference(s: ReturnType<typeof resolveMultiScenario>, ks: number[]): number[][][] {
  const { m, rates, alphas } = s;
  const norm = (w: number[]) => { const n = dot(rates, w); return w.map((v) => v / n); };
  let W = s.initialWeights.map(norm);
  const P = () => W.map((w) => { const n = dot(rates, w); return w.map((v, i) => (rates[i]! * v) / n); });
  const out: number[][][] = [];
  let k = 0;
  for (const K of ks) {
    for (; k < K; k++) {
      const p = P(), old = W.map((w) => [...w]);
      W = W.map((w, j) => {
        if (s.algorithm === 2 && s.periodEnds!.findIndex((e) => k < e) !== j) return w;
        let delta = w.map((v, i) => alphas[j]! * v * p[j]![i]!);
        const A = old.slice(0, j);
        if (A.length && s.projection === 'orthogonal') {
          const c = solve(A.map((a) => A.map((b) => dot(a, b))), A.map((a) => dot(a, delta)));
          delta = delta.map((v, i) => v - A.reduce((x, a, l) => x + c[l]! * a[i]!, 0));
        } else {
          for (const a of A) { const c = dot(delta, a) / dot(a, a); delta = delta.map((v, i) => v - c * a[i]!); }
        }
        return norm(w.map((v, i) => Math.max(0, v + delta[i]!)));
      });
    }
    out.push(P());
  }
  return out;
}

const fig5 = { model: 'multi', rates: [10, 7.5, 5], initialWeights: [1, 1, 1], alphas: [0.01, 0.0075, 0.005], steps: 3000, trajectories: 1, seed: 1 };
// Initial weights far from orthogonal, so the two projections differ at once.
const skew = { ...fig5, rates: [10, 7.5, 5, 4], initialWeights: [[1, 0.9, 0.3, 0.2], [0.8, 1, 0.4, 0.3], [0.7, 0.6, 1, 0.5]] };

describe('mean-field map of the several-outputs model', () => {
  const ks = [1, 10, 100, 1000, 3000];
  for (const [name, extra] of [
    ['algorithm 1, sequential', { algorithm: 1 }], ['algorithm 1, orthogonal', { algorithm: 1, projection: 'orthogonal' }],
    ['algorithm 2 (orthogonal by default)', { algorithm: 2 }], ['algorithm 2, sequential', { algorithm: 2, projection: 'sequential' }],
  ] as const) {
    it(`${name}: equals the direct transcription (normal equations for the orthogonal complement)`, () => {
      const s = resolveMultiScenario({ ...skew, ...extra });
      const got = meanFieldP(s, ks), want = reference(s, ks);
      for (let c = 0; c < ks.length; c++) for (let j = 0; j < s.m; j++) for (let i = 0; i < s.d; i++) {
        expect(Math.abs(got[c]![j]![i]! - want[c]![j]![i]!)).toBeLessThan(1e-12);
      }
    });
  }

  it('the two projections differ for three outputs on non-orthogonal weights (the test above can tell them apart)', () => {
    const seq = meanFieldP(resolveMultiScenario({ ...skew, algorithm: 1 }), [100])[0]!;
    const orth = meanFieldP(resolveMultiScenario({ ...skew, algorithm: 1, projection: 'orthogonal' }), [100])[0]!;
    expect(Math.max(...seq[2]!.map((v, i) => Math.abs(v - orth[2]![i]!)))).toBeGreaterThan(1e-4);
  });

  it('sequential projection: bit for bit the numbers of the earlier map (fig5 at α₁ = 0.01, P at k = 3000)', () => {
    const P = meanFieldP(resolveMultiScenario({ ...fig5, algorithm: 1 }), [3000])[0]!;
    expect(P.flat().map((v) => v.toString())).toEqual(PINNED);
  });
});

// Printed by the map before it moved to mean-field.ts (src/models/multi/files.ts at f78bf28).
const PINNED: string[] = [
  '0.999999999996505', '2.62416125045645e-12', '8.708416723170919e-13', '9.578051672405678e-8', '0.9999998540641014', '5.0155381930568244e-8', '0.0005966231104504998', '0.0025586579331845945', '0.996844718956365',
];
