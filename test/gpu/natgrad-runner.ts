/**
 * Subprocess helper for the natural-gradient tests: runs NatgradWebGpuEngine in this runtime (Deno: lavapipe) and
 * prints one JSON line { engine, ensembles: [{rule, eta, coefficients, n, kept, values, flags, sums, below, …}], inputs, teacher, student, finalWeights, timing }.
 *
 *   deno run -A test/gpu/natgrad-runner.ts '{"scenario": {...}, "options": {"captureSpikes": 10}}'
 */
import { resolveNatgradScenario } from '../../src/models/natgrad/scenario.ts';
import { NatgradWebGpuEngine } from '../../src/models/natgrad/webgpu-engine.ts';
import { answerEngineRequest } from './engine-request.ts';

// NaN does not survive JSON: send null and let the caller map it back.
const arr = (x: ArrayLike<number> | undefined) => (x ? Array.from(x, (v) => (Number.isNaN(v) ? null : v)) : undefined);

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
