/**
 * Subprocess helper for ensemble-host.test.ts: a tiny kernel on the ensemble host (src/engines/webgpu/ensemble-host.ts)
 * under this runtime's WebGPU (Deno: lavapipe), run through each path of the batch loop; prints one JSON line.
 *
 * The kernel: thread t adds P.add to total[t] (planned dispatches), and works off left[t] by at most P.budget per
 * dispatch, counting itself into running[P.cidx] while work is left (until-idle rounds).
 *
 *   deno run -A test/engines/webgpu/host-probe.ts
 */
import { ensembleEngine, onNewDevice, uniformLayout, type BatchContext } from '../../../src/engines/webgpu/index.ts';
import { printResult } from '../../gpu/runner-io.ts';

const PARAMS = uniformLayout({ n_active: 'u32', budget: 'u32', cidx: 'u32', add: 'u32' });

const KERNEL = `${PARAMS.wgsl()}
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> left: array<u32>;
@group(0) @binding(2) var<storage, read_write> running: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> total: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= P.n_active) { return; }
  total[t] += P.add;
  let l = left[t];
  let s = min(l, P.budget);
  left[t] = l - s;
  if (l - s > 0u) { atomicAdd(&running[P.cidx], 1u); }
}`;

type Mode = 'planned' | 'idle';

class Probe extends ensembleEngine(PARAMS, 3) {
  /** Threads [5, 205) in batches of 64; `stop` aborts (or destroys the device) at the first progress report. */
  async probe(mode: Mode, stop?: 'abort' | 'lose'): Promise<unknown> {
    const pipeline = await this.cachedPipeline('probe', 'host-probe', async () => KERNEL);
    const ctl = new AbortController();
    const progress: number[] = [], totals: number[] = [], lefts: number[] = [], batches: number[][] = [];
    const read = async (b: BatchContext) => {
      batches.push([b.index, b.b0, b.b1, b.n, b.rel0, b.nWg]);
      totals.push(...new Uint32Array(await b.read('total')));
      lefts.push(...new Uint32Array(await b.read('left')));
    };
    try {
      const r = await this.runEnsemble({
        pipeline, range: [5, 205], batchSize: 64, total: 12345, signal: ctl.signal,
        onProgress: (p) => {
          progress.push(p.done);
          if (stop === 'abort') ctl.abort();
          if (stop === 'lose') this.gpu.device.destroy();
        },
        shared: { running: 4 * 4 },
        perBatch: ({ n, b0 }) => ({ left: { bytes: 4 * n, data: Uint32Array.from({ length: n }, (_, t) => 3 * (b0 + t)) }, total: 4 * n }),
        bindings: ['left', 'running', 'total'],
        phases: (b) => [mode === 'planned'
          ? { dispatches: Array.from({ length: 40 }, (_, i) => ({ steps: 2, values: { n_active: b.n, budget: 0, cidx: 0, add: i + 1 } })), finish: read }
          : {
              untilIdle: { counter: 'running', size: (round) => Math.min(4, 2 ** round), values: (_, j) => ({ n_active: b.n, budget: 10, cidx: j, add: 1 }) },
              work: 7, finish: read,
            }],
      });
      return { ...r, progress, totals, lefts, batches };
    } catch (e) {
      return { error: (e as Error).name, message: (e as Error).message, progress };
    }
  }
}

const out: Record<string, unknown> = {};
for (const [name, mode, stop] of [['planned', 'planned'], ['idle', 'idle'], ['abort', 'planned', 'abort'], ['lose', 'idle', 'lose']] as const) {
  const probe = await onNewDevice((gpu) => new Probe(gpu));
  if (!probe) throw new Error('no WebGPU adapter');
  out[name] = await probe.probe(mode, stop);
  probe.dispose();
}
await printResult(out);
