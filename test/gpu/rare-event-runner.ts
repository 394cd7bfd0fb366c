/**
 * Subprocess helper for the rare-event GPU tests: runs `estimateFailure` (src/models/rare-event/estimator.ts) with the
 * WebGPU particle stepper in this runtime (Deno: lavapipe) and prints the result as one JSON line.
 *
 *   deno run -A test/gpu/rare-event-runner.ts '{"scenario": {...}, "options": {"particles": 64, "replicates": 4}}'
 *
 * With "kind": "step" and "batch": { x, k, id, stream, stop (null = +∞) }, "absorb": B it runs one particle batch
 * and prints the stepper's raw result (x, k, maxXi, status, work).
 *
 * With "requests": [request, ...] it answers each of those in one process (one Deno start) as { "answers": [...] }.
 */
import { resolveScenario } from '../../src/models/chain/scenario.ts';
import { estimateFailure } from '../../src/models/rare-event/estimator.ts';
import { WebGpuParticleStepper } from '../../src/models/rare-event/particles-webgpu.ts';
import { particleParams } from '../../src/models/rare-event/particles-cpu.ts';
import { printResult, requestArg } from './runner-io.ts';

async function answer(req: any): Promise<unknown> {
  const s = resolveScenario(req.scenario);
  const stepper = await WebGpuParticleStepper.create(s);
  if (!stepper) throw new Error('no WebGPU adapter');
  try {
    if (req.kind === 'step') {
      const b = req.batch;
      const r = await stepper.run(particleParams(s, req.absorb), {
        n: b.k.length, x: Float64Array.from(b.x), k: Uint32Array.from(b.k), id: Uint32Array.from(b.id),
        stream: Uint32Array.from(b.stream), stop: Float64Array.from(b.stop, (v: number | null) => v ?? Infinity),
      });
      return { x: Array.from(r.x), k: Array.from(r.k), maxXi: Array.from(r.maxXi), status: Array.from(r.status), work: r.work };
    }
    const r = await estimateFailure(s, { ...req.options, engine: 'webgpu', stepper });
    return { adapter: stepper.adapter, software: stepper.software, ...r };
  } finally {
    stepper.dispose();
  }
}

const req = requestArg();
if (Array.isArray(req.requests)) {
  const answers: unknown[] = [];
  for (const r of req.requests) answers.push(await answer(r));
  await printResult({ answers });
} else {
  await printResult(await answer(req));
}
