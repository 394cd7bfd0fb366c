/**
 * What a model's WebGPU engine builds on (src/models/<name>/webgpu-engine.ts): the ensemble host and its base class,
 * the dispatch plans and their leading uniform fields, uniform layouts, kernel source assembly, and the host side of
 * the shared reductions.
 */
export {
  DeviceLostError, EnsembleHost, ensembleEngine, softwareStepCap, type BatchContext, type BufferInit, type EnsembleSpec, type Phase,
} from './ensemble-host.ts';
export {
  BATCH_FIELDS, CHUNK_FIELDS, MODE, NOISE_FIELDS, STEP_FIELDS, chunkValues, noiseValues, stepPlan, stepValues,
  type StepDispatch,
} from './dispatch-plan.ts';
export { WG, f32lit, kernelSource, wgslConstants, type WgslLibrary } from './shader-source.ts';
export { uniformLayout, type UniformLayout, type ValuesOf } from './uniform-layout.ts';
export { decodeExtremes, maxBatchByPartials, mergeWorkgroupMoments, partialsBytes } from './reduce-stats.ts';
export { acquireDevice, type AcquiredDevice } from './device.ts';
export { onNewDevice } from './host.ts';
