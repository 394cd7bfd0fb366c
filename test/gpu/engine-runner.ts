/**
 * Subprocess helper for the GPU tests: runs one request on the WebGPU engine in this runtime (Deno: lavapipe through
 * its built-in WebGPU; Node: Dawn on SwiftShader) and prints a JSON result on stdout. A GPU crash then fails the test
 * that spawned it instead of killing the test runner.
 *
 *   deno run -A test/gpu/engine-runner.ts '<request json>'      npx tsx test/gpu/engine-runner.ts '<request json>'
 *
 * Requests: { kind: "kat", inputs: number[][] } → { adapter, outputs }
 *           { kind: "run", scenario, options } → { adapter, accumulators, finalState }
 */
import { resolveScenario } from '../../src/models/chain/scenario.ts';
import { accumulatorToJSON } from '../../src/stats/checkpoint-stats.ts';
import { WebGpuEngine } from '../../src/models/chain/webgpu-engine.ts';
import { acquireDevice, computePipeline, loadShader, readBuffer } from '../../src/engines/webgpu/device.ts';
import { printResult, requestArg } from './runner-io.ts';

const req = requestArg();

async function kat(inputs: number[][]): Promise<unknown> {
  const gpu = await acquireDevice();
  if (!gpu) throw new Error('no WebGPU adapter');
  const { device } = gpu;
  const code = `${await loadShader('philox.wgsl')}\n${await loadShader('philox-kat.wgsl')}`;
  const pipeline = await computePipeline(device, code, 'philox-kat');
  const inp = new Uint32Array(inputs.flat());
  const inBuf = device.createBuffer({ size: inp.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(inBuf, 0, inp);
  const outSize = inputs.length * 16;
  const outBuf = device.createBuffer({ size: outSize, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const bg = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: inBuf } }, { binding: 1, resource: { buffer: outBuf } }],
  });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bg);
  pass.dispatchWorkgroups(Math.ceil(inputs.length / 64));
  pass.end();
  device.queue.submit([enc.finish()]);
  const out = new Uint32Array(await readBuffer(device, outBuf, outSize));
  return { adapter: gpu.info, outputs: Array.from(out) };
}

async function run(scenario: unknown, options: Record<string, unknown>): Promise<unknown> {
  const engine = await WebGpuEngine.create();
  if (!engine) throw new Error('no WebGPU adapter');
  // abortAfterProgress: n cancels the run at its n-th progress event (the cancellation test).
  const { abortAfterProgress, ...opts } = options as { abortAfterProgress?: number };
  const ctl = new AbortController();
  const progress: number[] = [];
  let r;
  try {
    r = await engine.run(resolveScenario(scenario), {
      ...opts,
      signal: ctl.signal,
      onProgress: (p) => {
        progress.push(p.done);
        if (abortAfterProgress !== undefined && progress.length >= abortAfterProgress) ctl.abort();
      },
    });
  } catch (e) {
    return { error: (e as Error).name, message: (e as Error).message, progress };
  } finally {
    engine.dispose();
  }
  return {
    progress,
    adapter: r.engine.adapter,
    accumulators: r.checkpoints.map(accumulatorToJSON),
    finalState: r.finalState ? Array.from(r.finalState) : null,
    paths: r.paths ?? null,
  };
}

const result = req.kind === 'kat' ? await kat(req.inputs) : await run(req.scenario, req.options ?? {});
await printResult(result);
