/**
 * Subprocess helper for the several-outputs tests: runs MultiWebGpuEngine in this runtime (Deno: lavapipe) and
 * prints one JSON line { engine, accumulators (multiAccumulatorToJSON), paths, draws, finalWeights, timing }.
 *
 *   deno run -A test/gpu/multi-runner.ts '{"scenario": {...}, "options": {"captureDraws": 20}}'
 */
import { resolveMultiScenario } from '../../src/model/multi-scenario.ts';
import { MultiWebGpuEngine } from '../../src/engines/webgpu/multi-engine.ts';
import { multiAccumulatorToJSON } from '../../src/stats/multi-stats.ts';

const g = globalThis as any;
const args: string[] = g.Deno ? g.Deno.args : g.process.argv.slice(2);
const req = JSON.parse(args[0]!);
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
const text = JSON.stringify(result);
if (g.Deno) {
  await g.Deno.stdout.write(new TextEncoder().encode(text + '\n'));
  g.Deno.exit(0);
} else {
  g.process.stdout.write(text + '\n', () => g.process.exit(0));
}
