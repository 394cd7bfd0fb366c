/**
 * Getting a WebGPU device in each runtime: the browser and Deno have navigator.gpu; Node uses the npm `webgpu`
 * package (Dawn). Dawn will not use Mesa's lavapipe, but it runs on SwiftShader's Vulkan ICD (shipped with Debian's
 * chromium): on a machine without a GPU that ICD alone is named (chooseVulkanDrivers), and when no adapter is found
 * otherwise we retry once with it.
 */
import type { AdapterInfo } from '../types.ts';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  info: AdapterInfo;
  /** True for CPU implementations (SwiftShader, lavapipe/llvmpipe, WARP): slow, and crash-prone on big dispatches. */
  software: boolean;
  features: string[];
}

function isNode(): boolean {
  const g = globalThis as any;
  return !!g.process?.versions?.node && !g.Deno;
}

let nodeGpu: GPU | null = null;

async function nodeNavigatorGpu(): Promise<GPU> {
  if (nodeGpu) return nodeGpu;
  const mod: any = await import('webgpu');
  Object.assign(globalThis, mod.globals);
  nodeGpu = mod.create([]) as GPU;
  return nodeGpu;
}

/** Folders where the Vulkan loader looks for driver manifests (ICDs) on Linux. */
function icdFolders(env: Record<string, string | undefined>): string[] {
  const config = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const data = [env.XDG_DATA_HOME || `${env.HOME ?? ''}/.local/share`, ...(env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':')];
  return [...config, '/etc', ...data].filter(Boolean).map((d) => `${d}/vulkan/icd.d`);
}

/**
 * Linux, with no Vulkan drivers named by the user: pick them so that Dawn prints nothing. Dawn refuses Mesa's lavapipe
 * and writes "Warning: Vulkan shaderUniform*ArrayDynamicIndexing required" to stderr when it meets it, and Mesa's
 * hardware drivers without their GPU make the loader print "Failed to detect any valid GPUs". Without a GPU device
 * node (/dev/dri/renderD*, /dev/nvidia*, WSL's /dev/dxg) no hardware adapter can exist, so only SwiftShader is named
 * (a CPU run on `auto` then probes in silence); with one, the system's drivers less lavapipe.
 */
async function chooseVulkanDrivers(): Promise<void> {
  const proc = (globalThis as any).process;
  const env = proc.env as Record<string, string | undefined>;
  if (proc.platform !== 'linux' || env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES) return;
  const fs = await import('node:fs');
  const list = (dir: string) => { try { return fs.readdirSync(dir); } catch { return []; } };
  const gpuNodes = list('/dev/dri').some((f) => f.startsWith('renderD')) || list('/dev').some((f) => /^nvidia\d|^dxg$/.test(f));
  if (!gpuNodes) {
    if (fs.existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    return;
  }
  const manifests = icdFolders(env).flatMap((d) => list(d).filter((f) => f.endsWith('.json')).map((f) => `${d}/${f}`));
  const kept = manifests.filter((m) => !/lvp|lavapipe/i.test(m));
  if (kept.length && kept.length < manifests.length) env.VK_ICD_FILENAMES = kept.join(':');
}

async function requestAdapterNode(powerPreference: GPUPowerPreference): Promise<GPUAdapter | null> {
  await chooseVulkanDrivers();
  let gpu = await nodeNavigatorGpu();
  let adapter = await gpu.requestAdapter({ powerPreference });
  const proc = (globalThis as any).process;
  if (!adapter && proc.env.VK_ICD_FILENAMES !== SWIFTSHADER_ICD && !proc.env.VK_DRIVER_FILES) {
    const fs = await import('node:fs');
    if (fs.existsSync(SWIFTSHADER_ICD)) {
      proc.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      const mod: any = await import('webgpu');
      nodeGpu = gpu = mod.create([]) as GPU;
      adapter = await gpu.requestAdapter({ powerPreference });
    }
  }
  return adapter;
}

export function describeAdapter(adapter: GPUAdapter): AdapterInfo {
  const i: any = (adapter as any).info ?? {};
  return {
    vendor: i.vendor || undefined,
    architecture: i.architecture || undefined,
    device: i.device || undefined,
    description: i.description || undefined,
    isFallbackAdapter: i.isFallbackAdapter ?? (adapter as any).isFallbackAdapter ?? undefined,
  };
}

export function isSoftwareAdapter(info: AdapterInfo): boolean {
  const s = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`.toLowerCase();
  return !!info.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|software|warp|microsoft basic/.test(s);
}

/**
 * Vulkan's window-system layers print "XDG_RUNTIME_DIR is invalid or not set" on headless machines; give them a
 * private directory before the first adapter request (Node and Deno; a no-op in browsers).
 */
async function ensureXdgRuntimeDir(): Promise<void> {
  const g = globalThis as any;
  const env = g.process?.env;
  if (!env || env.XDG_RUNTIME_DIR || typeof g.window !== 'undefined') return;
  try {
    const os = await import('node:os');
    const fs = await import('node:fs');
    const dir = `${os.tmpdir()}/stdp-mc-xdg-${os.userInfo().uid}`;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    env.XDG_RUNTIME_DIR = dir;
  } catch {
    /* cosmetic only */
  }
}

export async function acquireDevice(powerPreference: GPUPowerPreference = 'high-performance'): Promise<AcquiredDevice | null> {
  await ensureXdgRuntimeDir();
  let adapter: GPUAdapter | null;
  if (isNode()) adapter = await requestAdapterNode(powerPreference);
  else {
    const gpu = (globalThis as any).navigator?.gpu as GPU | undefined;
    if (!gpu) return null;
    adapter = await gpu.requestAdapter({ powerPreference });
  }
  if (!adapter) return null;
  const info = describeAdapter(adapter);
  const lim = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
      maxBufferSize: lim.maxBufferSize,
      maxStorageBuffersPerShaderStage: Math.min(8, lim.maxStorageBuffersPerShaderStage),
    },
  });
  return { device, adapter, info, software: isSoftwareAdapter(info), features: [...adapter.features] };
}

/** Compile a compute pipeline and surface WGSL errors as a readable exception. */
export async function computePipeline(
  device: GPUDevice, code: string, label: string, layout: GPUPipelineLayout | 'auto' = 'auto',
): Promise<GPUComputePipeline> {
  const module = device.createShaderModule({ code, label });
  const ci = await module.getCompilationInfo();
  const errors = ci.messages.filter((m) => m.type === 'error');
  if (errors.length) {
    const lines = code.split('\n');
    throw new Error(
      `WGSL compilation failed (${label}):\n` +
        errors.map((m) => `  line ${m.lineNum}: ${m.message}\n    ${lines[m.lineNum - 1] ?? ''}`).join('\n'),
    );
  }
  device.pushErrorScope('validation');
  const pipeline = await device.createComputePipelineAsync({ layout, compute: { module, entryPoint: 'main' }, label });
  const err = await device.popErrorScope();
  if (err) throw new Error(`pipeline ${label}: ${err.message}`);
  return pipeline;
}

/** Copy a GPU buffer region to the host. */
export async function readBuffer(device: GPUDevice, src: GPUBuffer, size: number): Promise<ArrayBuffer> {
  const staging = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, staging, 0, size);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = staging.getMappedRange().slice(0);
  staging.unmap();
  staging.destroy();
  return out;
}

/** Load a WGSL file from shaders/ in Node, Deno (file system) or a browser (fetch). */
export async function loadShader(name: string): Promise<string> {
  const url = new URL(`../../../shaders/${name}`, import.meta.url);
  if (url.protocol === 'file:') {
    const fs = await import('node:fs/promises');
    return fs.readFile(url, 'utf8');
  }
  const r = await fetch(url);
  if (!r.ok) throw new Error(`cannot load shader ${name}: HTTP ${r.status}`);
  return r.text();
}

/**
 * Encode `count` dispatches of `pipeline` over `workgroups` workgroups, dispatch j reading its parameters at dynamic
 * offset j·`stride` of the bind group's uniform (the engines write one parameter slot per dispatch of a submit).
 */
export function encodeDispatches(
  enc: GPUCommandEncoder, pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, count: number, workgroups: number, stride: number,
): void {
  for (let j = 0; j < count; j++) {
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup, [j * stride]);
    pass.dispatchWorkgroups(workgroups);
    pass.end();
  }
}
