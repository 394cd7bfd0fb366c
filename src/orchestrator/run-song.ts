/**
 * Song, Miller & Abbott (2000) ensembles (issue 5, Model B): an experiment file whose scenario has model "song",
 * run on the CPU or WebGPU engine (src/engines/song-cpu.ts, webgpu/song-engine.ts), summarised by song-stats.ts.
 */
import { z } from 'zod';
import type { EngineChoice } from '../engines/index.ts';
import type { EngineInfo } from '../engines/types.ts';
import { SongCpuEngine, type SongResult, type SongRunOptions } from '../engines/song-cpu.ts';
import { resolveSongScenario, type ResolvedSongScenario } from '../model/song-scenario.ts';
import { ScenarioError, zodIssues } from '../model/scenario.ts';
import { codeIdentity, type Provenance } from './provenance.ts';

const SongExperimentSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  scenario: z.record(z.string(), z.unknown()),
});

export interface SongExperiment { name: string; description?: string; scenario: ResolvedSongScenario }

export function isSongExperiment(json: unknown): boolean {
  return !!json && typeof json === 'object' && (json as any).scenario?.model === 'song';
}

export function parseSongExperiment(json: unknown, overrides: { trajectories?: number; seed?: number | string } = {}): SongExperiment {
  const r = SongExperimentSchema.safeParse(json);
  if (!r.success) throw new ScenarioError(zodIssues(r.error));
  const sc: Record<string, unknown> = { ...r.data.scenario };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) sc[k] = v;
  return { name: r.data.name, description: r.data.description, scenario: resolveSongScenario(sc) };
}

export interface SongExperimentResult {
  experiment: SongExperiment;
  engine: EngineInfo;
  engineReason: string;
  result: SongResult;
  wallSeconds: number;
  provenance: Provenance;
}

interface SongEngine { info: EngineInfo; run(s: ResolvedSongScenario, o?: SongRunOptions): Promise<SongResult>; dispose?(): void }

/** cpu, or webgpu (auto: WebGPU on a hardware adapter only); gpu.js declines this model. */
async function songEngine(choice: EngineChoice): Promise<{ engine: SongEngine; reason: string }> {
  if (choice === 'gpujs') throw new Error('gpu.js does not run the Song–Miller–Abbott model: pass --engine webgpu or cpu');
  if (choice === 'cpu') return { engine: new SongCpuEngine(), reason: 'requested' };
  const { SongWebGpuEngine } = await import('../engines/webgpu/song-engine.ts');
  let gpu: Awaited<ReturnType<typeof SongWebGpuEngine.create>> = null;
  let failure = 'no WebGPU adapter was granted';
  try { gpu = await SongWebGpuEngine.create(); } catch (e) { failure = `WebGPU failed to initialise: ${(e as Error).message}`; }
  if (choice === 'webgpu') {
    if (!gpu) throw new Error(`engine webgpu is not available: ${failure}`);
    return { engine: gpu as unknown as SongEngine, reason: (gpu as any).software ? 'requested (software adapter)' : 'requested' };
  }
  if (gpu && !(gpu as any).software) return { engine: gpu as unknown as SongEngine, reason: 'auto: hardware WebGPU adapter' };
  (gpu as any)?.dispose?.();
  return { engine: new SongCpuEngine(), reason: `auto: ${gpu ? 'only a software WebGPU adapter' : failure}, so the CPU engine runs; pass --engine webgpu to use it anyway` };
}

export async function runSongExperiment(
  exp: SongExperiment,
  o: { engine?: EngineChoice; signal?: AbortSignal; command?: string; onProgress?: SongRunOptions['onProgress'] } = {},
): Promise<SongExperimentResult> {
  const t0 = performance.now();
  const { engine, reason } = await songEngine(o.engine ?? 'auto');
  let result: SongResult;
  try {
    result = await engine.run(exp.scenario, { signal: o.signal, onProgress: o.onProgress });
  } finally {
    engine.dispose?.();
  }
  const id = await codeIdentity();
  const s = exp.scenario;
  return {
    experiment: exp, engine: engine.info, engineReason: reason, result, wallSeconds: (performance.now() - t0) / 1000,
    provenance: { ...id, seed: s.seed, seedKey: s.seedKey, createdAt: new Date().toISOString(), runtime: engine.info.runtime, command: o.command },
  };
}
