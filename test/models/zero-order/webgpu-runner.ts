/**
 * Subprocess helper for test/models/zero-order/engines.test.ts: runs ZeroOrderWebGpuEngine in this runtime (Deno:
 * lavapipe) on each requested (scenario, grid point) and prints one JSON line with every copy's records, final θ and
 * flags, and the accumulator.
 *
 *   deno run -A test/models/zero-order/webgpu-runner.ts '{"cases": [{"scenario": {...}, "point": 0}]}'
 */
import { resolveZeroOrderScenario } from '../../../src/models/zero-order/scenario.ts';
import { ZeroOrderWebGpuEngine } from '../../../src/models/zero-order/webgpu-engine.ts';
import { printResult, requestArg } from '../../gpu/runner-io.ts';

const req = requestArg() as { cases: { scenario: unknown; point: number; options?: Record<string, unknown> }[] };
const engine = await ZeroOrderWebGpuEngine.create();
if (!engine) throw new Error('no WebGPU adapter');
const out: unknown[] = [];
try {
  for (const c of req.cases) {
    const r = await engine.run(resolveZeroOrderScenario(c.scenario), c.point, { ...c.options, captureCopies: true });
    out.push({
      engine: r.engine, accumulator: r.accumulator,
      copies: { n: r.copies!.n, rec: Array.from(r.copies!.rec), theta: Array.from(r.copies!.theta), flags: Array.from(r.copies!.flags) },
    });
  }
} finally {
  engine.dispose();
}
await printResult({ results: out });
