/**
 * The models that run whole (no batches, state file or shards) beside the chain, in one registry: how to recognise
 * an experiment file of the model (scenario.model), parse it with the CLI's overrides, run it on an engine choice,
 * and compute its files (summary, CSV tables, plot specs, report parts) without a file system. The browser page runs
 * them through this registry; the CLI dispatches on the same `scenario.model`.
 */
import type { EngineChoice } from '../engines/index.ts';
import type { EngineInfo } from '../engines/types.ts';
import type { FilesOf } from '../report/files.ts';
import { multiFiles } from './multi/files.ts';
import { songFiles } from './song/files.ts';
import { spikingFiles } from './spiking/files.ts';
import { hebbianFiles } from './hebbian/files.ts';
import { natgradFiles } from './natgrad/files.ts';
import { isNatgradExperiment, parseNatgradExperiment, runNatgradExperiment } from './natgrad/run.ts';
import { isHebbianExperiment, parseHebbianExperiment, runHebbianExperiment } from './hebbian/run.ts';
import { isMultiExperiment, parseMultiExperiment, runMultiExperiment } from './multi/run.ts';
import { isSongExperiment, parseSongExperiment, runSongExperiment } from './song/run.ts';
import { isSpikingExperiment, parseSpikingExperiment, runSpikingExperiment } from './spiking/run.ts';

export interface WholeRunOptions {
  engine?: EngineChoice;
  signal?: AbortSignal;
  command?: string;
  /** Work done and in total (the model's own unit: trajectory-steps, events or copy-steps) and seconds elapsed. */
  onProgress?: (done: number, total: number, seconds: number) => void;
}

export interface WholeModel {
  /** scenario.model in the experiment file. */
  model: string;
  /** What the page and messages call it. */
  title: string;
  is(json: unknown): boolean;
  parse(json: unknown, overrides: { trajectories?: number; seed?: number | string }): unknown;
  run(exp: unknown, o: WholeRunOptions): Promise<{ engine: EngineInfo; engineReason: string }>;
  files(result: any): FilesOf<Record<string, unknown>>;
}

type P = { done: number; total: number; elapsedSeconds: number };
const viaObject = (o: WholeRunOptions) => (o.onProgress ? (p: P) => o.onProgress!(p.done, p.total, p.elapsedSeconds) : undefined);
const asFiles = <S>(f: FilesOf<S>) => f as unknown as FilesOf<Record<string, unknown>>;

export const WHOLE_MODELS: WholeModel[] = [
  {
    model: 'multi', title: 'several output neurons (Algorithms 1/2)', is: isMultiExperiment,
    parse: (j, o) => parseMultiExperiment(j, o),
    run: (e, o) => runMultiExperiment(e as any, { engine: o.engine, signal: o.signal, command: o.command, onProgress: o.onProgress }),
    files: (r) => asFiles(multiFiles(r)),
  },
  {
    model: 'spiking', title: 'spiking network (Section 2.3)', is: isSpikingExperiment,
    parse: (j, o) => parseSpikingExperiment(j, o),
    run: (e, o) => runSpikingExperiment(e as any, { engine: o.engine, signal: o.signal, command: o.command, onProgress: viaObject(o) }),
    files: (r) => asFiles(spikingFiles(r)),
  },
  {
    model: 'song', title: 'Song, Miller & Abbott (2000)', is: isSongExperiment,
    parse: (j, o) => parseSongExperiment(j, o),
    run: (e, o) => runSongExperiment(e as any, { engine: o.engine, signal: o.signal, command: o.command, onProgress: viaObject(o) }),
    files: (r) => asFiles(songFiles(r)),
  },
  {
    model: 'hebbian', title: 'Hebbian alignment of regularised learners (arXiv 2505.18069)', is: isHebbianExperiment,
    parse: (j, o) => parseHebbianExperiment(j, o),
    run: (e, o) => runHebbianExperiment(e as any, { engine: o.engine, signal: o.signal, command: o.command, onProgress: viaObject(o) }),
    files: (r) => asFiles(hebbianFiles(r)),
  },
  {
    model: 'natgrad', title: 'natural-gradient learning for a spiking neuron (arXiv 2011.11710)', is: isNatgradExperiment,
    parse: (j, o) => parseNatgradExperiment(j, o),
    run: (e, o) => runNatgradExperiment(e as any, { engine: o.engine, signal: o.signal, command: o.command, onProgress: viaObject(o) }),
    files: (r) => asFiles(natgradFiles(r)),
  },
];

/** The whole-run model an experiment file belongs to, or null for the chain. */
export function wholeModelOf(json: unknown): WholeModel | null {
  return WHOLE_MODELS.find((m) => m.is(json)) ?? null;
}
