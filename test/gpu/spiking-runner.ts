/**
 * Subprocess helper for the spiking-network tests: runs SpikingWebGpuEngine in this runtime (Deno: lavapipe) and
 * prints one JSON line { engine, accumulators (spikingAccumulatorToJSON), events, flagCounts, finalState, timing }.
 *
 *   deno run -A test/gpu/spiking-runner.ts '{"scenario": {...}, "options": {"captureEvents": 64}}'
 */
import { resolveSpikingScenario } from '../../src/models/spiking/scenario.ts';
import { SpikingWebGpuEngine } from '../../src/models/spiking/webgpu-engine.ts';
import { spikingAccumulatorToJSON } from '../../src/models/spiking/stats.ts';
import { answerEngineRequest, plainArray } from './engine-request.ts';

await answerEngineRequest(resolveSpikingScenario, () => SpikingWebGpuEngine.create(), (r) => {
  const ev = r.events;
  return {
    engine: r.engine,
    accumulators: r.checkpoints.map(spikingAccumulatorToJSON),
    paths: r.paths,
    events: ev ? { n: ev.n, source: Array.from(ev.source), fired: Array.from(ev.fired), dt: Array.from(ev.dt), y: Array.from(ev.y) } : undefined,
    flagCounts: r.flagCounts,
    finalState: plainArray(r.finalState),
    timing: r.timing,
  };
});
