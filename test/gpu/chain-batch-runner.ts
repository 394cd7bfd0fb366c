/**
 * Subprocess helper: several runs of the chain's WebGPU engine in one process and on one device (one Deno start, one
 * lavapipe adapter), for test files that would otherwise start engine-runner.ts once per run. Answers in the order
 * of the requests, each in engine-runner.ts's "run" form ({ adapter, accumulators, finalState, paths }, or
 * { error, message } when the run throws).
 *
 *   deno run -A test/gpu/chain-batch-runner.ts '{"batch": [{"scenario": {...}, "options": {...}}, ...]}'
 */
import { resolveScenario } from '../../src/models/chain/scenario.ts';
import { accumulatorToJSON } from '../../src/stats/checkpoint-stats.ts';
import { WebGpuEngine } from '../../src/models/chain/webgpu-engine.ts';
import { printResult, requestArg } from './runner-io.ts';

const req = requestArg();
const engine = await WebGpuEngine.create();
if (!engine) throw new Error('no WebGPU adapter');
const out: unknown[] = [];
try {
  for (const { scenario, options } of req.batch as { scenario: unknown; options?: object }[]) {
    try {
      const r = await engine.run(resolveScenario(scenario), options ?? {});
      out.push({
        adapter: r.engine.adapter,
        accumulators: r.checkpoints.map(accumulatorToJSON),
        finalState: r.finalState ? Array.from(r.finalState) : null,
        paths: r.paths ?? null,
      });
    } catch (e) {
      out.push({ error: (e as Error).name, message: (e as Error).message });
    }
  }
} finally {
  engine.dispose();
}
await printResult({ batch: out });
