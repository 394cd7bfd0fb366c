/**
 * Subprocess helper for the natural-gradient tests: runs NatgradWebGpuEngine in this runtime (Deno: lavapipe) and
 * prints one JSON line { engine, ensembles: [{rule, eta, coefficients, n, kept, values, flags, sums, below, …}], inputs, teacher, student, finalWeights, timing }.
 *
 *   deno run -A test/gpu/natgrad-runner.ts '{"scenario": {...}, "options": {"captureSpikes": 10}}'
 *
 * With "authorsNodes": [[i, j], ...] and "authorsMargin": r, the authors' table (authors-table.ts) is computed only
 * at those nodes and their neighbours within r (in both indices); every other filled node holds a poison value (1e30)
 * instead of its coefficients. The engine uploads the whole table, whose 122 × 802 quadratures cost about 11 s of CPU
 * here, while a short run reads a few dozen nodes: the caller passes the nodes its CPU run read (the CPU engine fills
 * the table lazily), so a kernel that reads any node far from those gets γ_s = 1e30 and fails the comparison.
 */
import { resolveNatgradScenario } from '../../src/models/natgrad/scenario.ts';
import { NatgradWebGpuEngine } from '../../src/models/natgrad/webgpu-engine.ts';
import { AUTHORS_TABLE, authorsTable } from '../../src/models/natgrad/authors-table.ts';
import { NATGRAD_COEFFS } from '../../src/models/natgrad/coefficients.ts';
import { answerEngineRequest } from './engine-request.ts';
import { requestArg } from './runner-io.ts';

// NaN does not survive JSON: send null and let the caller map it back.
const arr = (x: ArrayLike<number> | undefined) => (x ? Array.from(x, (v) => (Number.isNaN(v) ? null : v)) : undefined);

const req = requestArg();
if (Array.isArray(req.authorsNodes)) {
  const s = resolveNatgradScenario(req.scenario), A = AUTHORS_TABLE, r = Number(req.authorsMargin ?? 0);
  const keep = new Set<number>();
  for (const [i, j] of req.authorsNodes as [number, number][]) {
    for (let a = Math.max(0, i - r); a <= Math.min(A.nMean - 1, i + r); a++) {
      for (let b = Math.max(0, j - r); b <= Math.min(A.filledVar - 1, j + r); b++) keep.add(a * A.nVar + b);
    }
  }
  // authorsTable() hands out one table per (q, sigmoid) and process: the one the engine will upload
  const table = authorsTable(s.q, { phiMax: s.phiMax, beta: s.beta, theta: s.theta });
  for (let i = 0; i < A.nMean; i++) {
    for (let j = 0; j < A.filledVar; j++) {
      const o = (i * A.nVar + j) * NATGRAD_COEFFS;
      if (!keep.has(i * A.nVar + j)) table.values.fill(1e30, o, o + NATGRAD_COEFFS);
    }
  }
}

await answerEngineRequest(resolveNatgradScenario, () => NatgradWebGpuEngine.create(), (r) => ({
  engine: r.engine,
  ensembles: r.ensembles.map((e) => ({
    rule: e.rule, eta: e.eta, coefficients: e.coefficients, n: e.n, kept: e.kept, values: arr(e.values), flags: arr(e.flags),
    sums: arr(e.sums), below: arr(e.below), flagBits: e.flagBits, flagged: e.flagged,
  })),
  inputs: arr(r.inputs),
  teacher: arr(r.teacher),
  student: arr(r.student),
  finalWeights: r.finalWeights?.map((w) => arr(w)),
  timing: r.timing,
}));
