/**
 * Subprocess helper for the several-outputs tests: runs MultiWebGpuEngine in this runtime (Deno: lavapipe) and
 * prints one JSON line { engine, accumulators (multiAccumulatorToJSON), paths, draws, finalWeights, timing }.
 *
 *   deno run -A test/gpu/multi-runner.ts '{"scenario": {...}, "options": {"captureDraws": 20}}'
 *
 * A batch of runs shares one process and one device (one Deno start, one adapter):
 *
 *   deno run -A test/gpu/multi-runner.ts '{"batch": [{"scenario": {...}, "options": {...}}, ...]}'
 *
 * answers { "batch": [answer, ...] } in the order of the requests.
 */
import { resolveMultiScenario } from '../../src/models/multi/scenario.ts';
import { MultiWebGpuEngine } from '../../src/models/multi/webgpu-engine.ts';
import { multiAccumulatorToJSON } from '../../src/models/multi/stats.ts';
import type { MultiEnsembleResult } from '../../src/models/multi/cpu-engine.ts';
import { answerEngineRequest, plainArray } from './engine-request.ts';

const answer = (r: MultiEnsembleResult) => ({
  engine: r.engine,
  accumulators: r.checkpoints.map(multiAccumulatorToJSON),
  paths: r.paths,
  draws: plainArray(r.draws),
  finalWeights: plainArray(r.finalWeights),
  timing: r.timing,
});

await answerEngineRequest(resolveMultiScenario, () => MultiWebGpuEngine.create(), answer);
