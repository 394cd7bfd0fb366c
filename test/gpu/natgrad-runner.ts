/**
 * Subprocess helper for the natural-gradient tests: runs NatgradWebGpuEngine in this runtime (Deno: lavapipe) and
 * prints one JSON line { engine, ensembles: [{rule, eta, n, values, flags}], inputs, teacher, student, finalWeights, timing }.
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
  ensembles: r.ensembles.map((e) => ({ rule: e.rule, eta: e.eta, n: e.n, values: arr(e.values), flags: arr(e.flags) })),
  inputs: arr(r.inputs),
  teacher: arr(r.teacher),
  student: arr(r.student),
  finalWeights: r.finalWeights?.map((w) => arr(w)),
  timing: r.timing,
}));
