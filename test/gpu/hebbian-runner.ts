/**
 * Subprocess helper for the Hebbian-alignment tests: runs HebbianWebGpuEngine in this runtime (Deno: lavapipe) and
 * prints one JSON line { engine, accumulator, copies (captureCopies only), finalWeights, timing }.
 *
 *   deno run -A test/gpu/hebbian-runner.ts '{"scenario": {...}, "options": {"captureFinalWeights": true}}'
 *
 * A batch of runs shares one process and one device (one Deno start, one adapter, pipelines compiled once per shape):
 *
 *   deno run -A test/gpu/hebbian-runner.ts '{"batch": [{"scenario": {...}, "options": {...}}, ...]}'
 *
 * answers { "batch": [answer, ...] } in the order of the requests.
 */
import { resolveHebbianScenario } from '../../src/models/hebbian/scenario.ts';
import { HebbianWebGpuEngine } from '../../src/models/hebbian/webgpu-engine.ts';
import type { HebbianResult } from '../../src/models/hebbian/cpu-engine.ts';
import { answerEngineRequest, plainArray as arr } from './engine-request.ts';

const answer = (r: HebbianResult) => ({
  engine: r.engine,
  accumulator: r.accumulator,
  copies: r.copies && { points: r.copies.points, n: r.copies.n, checkpoints: r.copies.checkpoints, rec: arr(r.copies.rec), flags: arr(r.copies.flags) },
  finalWeights: arr(r.finalWeights),
  timing: r.timing,
});

await answerEngineRequest(resolveHebbianScenario, () => HebbianWebGpuEngine.create(), answer);
