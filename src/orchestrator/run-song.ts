/**
 * Song, Miller & Abbott (2000) ensembles (issue 5, Model B): an experiment file whose scenario has model "song",
 * run on the CPU or WebGPU engine (src/engines/song-cpu.ts, webgpu/song-engine.ts), summarised by song-stats.ts.
 */
import { z } from 'zod';
import type { EngineChoice } from '../engines/index.ts';
import { selectModelEngine } from '../engines/select-model.ts';
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


function songEngine(choice: EngineChoice) {
  return selectModelEngine<SongEngine>(choice, {
    model: 'the Song–Miller–Abbott model',
    cpu: () => new SongCpuEngine(),
    webgpu: async () => (await import('../engines/webgpu/song-engine.ts')).SongWebGpuEngine.create(),
  });
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
