/**
 * Subprocess helper for the Model B tests: runs SongWebGpuEngine in this runtime (Deno: lavapipe) and prints one JSON
 * line { engine, accumulator, copies, inputs, outputs, finalWeights, timing }.
 *
 *   deno run -A test/gpu/song-runner.ts '{"scenario": {...}, "options": {"captureOutputs": 10}}'
 */
import { resolveSongScenario } from '../../src/models/song/scenario.ts';
import { SongWebGpuEngine } from '../../src/models/song/webgpu-engine.ts';
import { answerEngineRequest, plainArray as arr } from './engine-request.ts';

await answerEngineRequest(resolveSongScenario, () => SongWebGpuEngine.create(), (r) => ({
  engine: r.engine,
  accumulator: r.accumulator,
  copies: {
    n: r.copies.n, windowCounts: arr(r.copies.windowCounts), hists: arr(r.copies.hists),
    meanW: arr(r.copies.meanW), flags: arr(r.copies.flags),
  },
  inputs: arr(r.inputs),
  outputs: arr(r.outputs),
  finalWeights: arr(r.finalWeights),
  timing: r.timing,
}));
