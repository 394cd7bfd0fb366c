/**
 * The chain's engine selection in the browser (it alone has a gpu.js engine): WebGPU where an adapter is granted;
 * where it is missing or refused, gpu.js on webgl2 (or webgl), else the CPU reference engine. `auto` takes WebGPU
 * only on a hardware adapter and gpu.js only on a hardware GL renderer (software renderers are slower than the CPU
 * engine), like the CLI's `auto`. Loaded by the page's worker through the model's page hook (index.ts).
 */
import { adapterName, type EngineChoice } from '../../../engines/index.ts';
import type { BrowserSelection } from '../../../run/model-page.ts';
import { gpuJsRefusal, type Engine } from '../engine-types.ts';
import { CpuEngine } from '../cpu-engine.ts';
import { GpuJsEngine } from '../gpujs-engine.ts';
import { WebGpuEngine } from '../webgpu-engine.ts';
import { gridPoints, type ChainExperiment } from '../definition.ts';

/** The chain's engine for a choice, why, and whether it is not the one asked for. */
export interface ChainBrowserSelection extends BrowserSelection {
  engine: Engine;
}

/** The GL renderer string (WEBGL_debug_renderer_info), or null where webgl2 is unavailable. */
export function glRenderer(): string | null {
  try {
    const g = globalThis as any;
    const canvas = typeof g.OffscreenCanvas === 'function' ? new g.OffscreenCanvas(1, 1) : g.document?.createElement('canvas');
    const gl = canvas?.getContext('webgl2') as WebGL2RenderingContext | null;
    if (!gl) return null;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const r = ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : String(gl.getParameter(gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return r;
  } catch {
    return null;
  }
}

const isSoftwareGl = (r: string) => /swiftshader|llvmpipe|lavapipe|software|microsoft basic/i.test(r);

async function tryWebGpu(): Promise<{ engine: WebGpuEngine | null; why: string }> {
  if (!(globalThis as any).navigator?.gpu) return { engine: null, why: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    const engine = await WebGpuEngine.create();
    return engine ? { engine, why: '' } : { engine: null, why: 'no WebGPU adapter was granted' };
  } catch (e) {
    return { engine: null, why: `WebGPU failed to initialise: ${(e as Error).message}` };
  }
}

async function tryGpuJs(): Promise<{ engine: GpuJsEngine | null; why: string }> {
  try {
    // Only the GL modes: gpu.js's own cpu mode is slower than the CPU engine and off the Philox stream.
    for (const mode of ['webgl2', 'webgl']) {
      try {
        return { engine: await GpuJsEngine.create({ mode }), why: '' };
      } catch {
        /* next mode */
      }
    }
    return { engine: null, why: 'gpu.js found neither webgl2 nor webgl' };
  } catch (e) {
    return { engine: null, why: `gpu.js failed: ${(e as Error).message}` };
  }
}

function gpuJsLabel(e: GpuJsEngine, renderer: string | null): string {
  return `gpu.js on ${e.info.adapter?.backend ?? '?'}${renderer ? ` (${renderer})` : ''}`;
}

export async function selectBrowserEngine(choice: EngineChoice, exp?: ChainExperiment): Promise<ChainBrowserSelection> {
  if (choice === 'cpu') return { engine: new CpuEngine(), reason: 'requested', fallback: false };
  // gpu.js runs the plain chain only: with correlated inputs or time-varying rates it is passed over for the CPU engine.
  const refusal = exp ? gpuJsRefusal(gridPoints(exp).map((pt) => pt.scenario)) : null;
  const noGpuJs = refusal ? `gpu.js ${refusal}` : '';
  if (choice === 'gpujs' && noGpuJs) return { engine: new CpuEngine(), reason: `gpu.js was requested but ${noGpuJs}, so the CPU engine runs`, fallback: true };
  if (choice === 'gpujs') {
    const g = await tryGpuJs();
    if (g.engine) return { engine: g.engine, reason: `requested: ${gpuJsLabel(g.engine, glRenderer())}`, fallback: false };
    return { engine: new CpuEngine(), reason: `gpu.js was requested but ${g.why}, so the CPU engine runs`, fallback: true };
  }
  const w = await tryWebGpu();
  if (w.engine) {
    const name = adapterName(w.engine.info.adapter);
    if (choice === 'webgpu') return { engine: w.engine, reason: w.engine.software ? `requested (software adapter: ${name})` : `requested (adapter: ${name})`, fallback: false };
    if (!w.engine.software) return { engine: w.engine, reason: `auto: hardware WebGPU adapter ${name}`, fallback: false };
    w.engine.dispose();
    w.why = `only a software WebGPU adapter (${name}) was granted`;
  }
  const renderer = glRenderer();
  if (choice === 'auto' && renderer && isSoftwareGl(renderer)) {
    return { engine: new CpuEngine(), reason: `auto: ${w.why}, and WebGL runs in software (${renderer}), so the CPU reference engine runs`, fallback: false };
  }
  const g = noGpuJs ? { engine: null, why: noGpuJs } : renderer ? await tryGpuJs() : { engine: null, why: 'webgl2 is unavailable' };
  const asked = choice === 'webgpu' ? 'WebGPU was requested but ' : 'auto: ';
  if (g.engine) return { engine: g.engine, reason: `${asked}${w.why}, so ${gpuJsLabel(g.engine, renderer)} runs instead`, fallback: choice === 'webgpu' };
  return { engine: new CpuEngine(), reason: `${asked}${w.why}, and ${g.why}, so the CPU reference engine runs`, fallback: choice === 'webgpu' };
}
