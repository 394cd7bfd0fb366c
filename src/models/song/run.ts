/**
 * Song, Miller & Abbott (2000) ensembles (issue 5, Model B): an experiment file whose scenario has model "song",
 * run on the CPU or WebGPU engine (src/models/song/cpu-engine.ts, webgpu/song-engine.ts), summarised by song-stats.ts.
 */
import type { EngineChoice } from '../../engines/index.ts';
import type { EngineInfo } from '../../engines/types.ts';
import { SongCpuEngine, type SongResult, type SongRunOptions } from './cpu-engine.ts';
import { resolveSongScenario, type ResolvedSongScenario } from './scenario.ts';
import type { Provenance } from '../../core/provenance.ts';
import { isModelExperiment, readModelExperiment, runOnModelEngine } from '../../run/run-model.ts';

export interface SongExperiment { name: string; description?: string; scenario: ResolvedSongScenario }

export function isSongExperiment(json: unknown): boolean {
  return isModelExperiment(json, 'song');
}

export function parseSongExperiment(json: unknown, overrides: { trajectories?: number; seed?: number | string } = {}): SongExperiment {
  const f = readModelExperiment(json, overrides);
  return { name: f.name, description: f.description, scenario: resolveSongScenario(f.scenario) };
}

export interface SongExperimentResult {
  experiment: SongExperiment;
  engine: EngineInfo;
  engineReason: string;
  result: SongResult;
  wallSeconds: number;
  provenance: Provenance;
}

export async function runSongExperiment(
  exp: SongExperiment,
  o: { engine?: EngineChoice; signal?: AbortSignal; command?: string; onProgress?: SongRunOptions['onProgress'] } = {},
): Promise<SongExperimentResult> {
  const r = await runOnModelEngine<ResolvedSongScenario, SongRunOptions, SongResult>(exp.scenario, o.engine ?? 'auto', {
    model: 'the Song–Miller–Abbott model',
    cpu: () => new SongCpuEngine(),
    webgpu: async () => (await import('./webgpu-engine.ts')).SongWebGpuEngine.create(),
  }, { signal: o.signal, onProgress: o.onProgress }, o.command);
  return { experiment: exp, ...r };
}
