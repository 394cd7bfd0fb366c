/**
 * Subprocess helper for the several-outputs tests: runs MultiWebGpuEngine in this runtime (Deno: lavapipe) and
 * prints one JSON line { engine, accumulators (multiAccumulatorToJSON), paths, draws, finalWeights, timing }.
 *
 *   deno run -A test/gpu/multi-runner.ts '{"scenario": {...}, "options": {"captureDraws": 20}}'
 */
import { resolveMultiScenario } from '../../src/models/multi/scenario.ts';
import { MultiWebGpuEngine } from '../../src/models/multi/webgpu-engine.ts';
import { multiAccumulatorToJSON } from '../../src/models/multi/stats.ts';
import { printResult, requestArg } from './runner-io.ts';

const req = requestArg();
const s = resolveMultiScenario(req.scenario);
const engine = await MultiWebGpuEngine.create();
if (!engine) throw new Error('no WebGPU adapter');
let result: unknown;
try {
  const r = await engine.run(s, req.options ?? {});
  result = {
    engine: r.engine,
    accumulators: r.checkpoints.map(multiAccumulatorToJSON),
    paths: r.paths,
    draws: r.draws ? Array.from(r.draws) : undefined,
    finalWeights: r.finalWeights ? Array.from(r.finalWeights) : undefined,
    timing: r.timing,
  };
} finally {
  engine.dispose();
}
await printResult(result);
