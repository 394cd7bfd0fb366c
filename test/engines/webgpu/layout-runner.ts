/**
 * Subprocess helper for uniform-layout.test.ts: on this runtime's WebGPU (Deno: lavapipe), the ensemble host runs the
 * generated kernel of layout-fixture.ts once with the block written by the layout's writer (at a dynamic offset, as
 * every engine's parameters), and this prints { words }: what the kernel read.
 *
 *   deno run -A test/engines/webgpu/layout-runner.ts
 */
import { ensembleEngine, onNewDevice } from '../../../src/engines/webgpu/index.ts';
import { printResult } from '../../gpu/runner-io.ts';
import { MIXED, mixedKernel, mixedValues } from './layout-fixture.ts';

class LayoutProbe extends ensembleEngine(MIXED, 1) {
  async words(): Promise<number[]> {
    const pipeline = await this.cachedPipeline('probe', 'layout-probe', async () => mixedKernel());
    let words: number[] = [];
    await this.runEnsemble({
      pipeline, range: [0, 1], batchSize: 1, total: 1, shared: { out: 4 * mixedValues.expectedWords.length }, bindings: ['out'],
      phases: () => [{ dispatches: [{ values: mixedValues.values, steps: 1 }] }],
      end: async (read) => { words = Array.from(new Uint32Array(await read('out'))); },
    });
    return words;
  }
}

const probe = await onNewDevice((gpu) => new LayoutProbe(gpu));
if (!probe) throw new Error('no WebGPU adapter');
await printResult({ words: await probe.words() });
