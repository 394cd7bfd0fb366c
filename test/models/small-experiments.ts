/**
 * One shipped experiment per model of the registry, made small (the edits a user would make to try it): the
 * registry-walking tests run these on every engine, resume them and shard them. A model missing here fails
 * test/models/registry.test.ts.
 *
 * `edit` makes the experiment of test/models/registry.test.ts (CPU against WebGPU, resumed in process): short runs, so
 * f32 and f64 still count the same, and cheap, with at least 3 batches. `cli` edits that further for
 * test/cli/every-model-resumes.test.ts, which kills the CLI at random moments: at least 5 batches of some tens of
 * milliseconds each (measured: about 20–70 ms of CPU once warm), so a kill lands inside a batch rather than after the
 * run has finished, while the whole run stays a fraction of a second.
 */
import { readFileSync } from 'node:fs';

const EXPERIMENTS = new URL('../../experiments/', import.meta.url);

export const SMALL: Record<string, { file: string; edit: (j: any) => void; cli: (j: any) => void }> = {
  chain: {
    file: 'quickstart.json',
    edit: (j) => Object.assign(j.scenario, { trajectories: 3000, steps: 300, checkpoints: { every: 100 } }),
    // 500 copies a batch: below the 2 × 256 at which the cpu engine would start worker threads
    cli: (j) => { Object.assign(j.scenario, { trajectories: 2500, steps: 2000, checkpoints: { every: 250 } }); j.batches = 5; },
  },
  'rare-event': {
    file: 'rare-failure.json',
    edit: (j) => { j.rareEvent = { particles: 60, replicates: 8 }; j.sweep = { alpha: [0.05, 0.03], time: 20 }; j.batches = 4; },
    cli: (j) => { j.rareEvent = { particles: 120, replicates: 6 }; j.batches = 3; },
  },
  multi: {
    file: 'fig5-multi-1e-3.json',
    edit: (j) => Object.assign(j.scenario, { trajectories: 90, steps: 1500, checkpoints: [0, 500, 1000, 1500] }),
    cli: (j) => { Object.assign(j.scenario, { trajectories: 60, steps: 6000, checkpoints: [0, 2000, 4000, 6000] }); j.batches = 5; },
  },
  spiking: {
    file: 'spiking-vs-chain.json',
    edit: (j) => Object.assign(j.scenario, { trajectories: 120, steps: 150, checkpoints: [0, 50, 100, 150] }),
    cli: (j) => { Object.assign(j.scenario, { trajectories: 200, steps: 400, checkpoints: [0, 200, 400] }); j.batches = 5; },
  },
  song: {
    file: 'song2000.json',
    edit: (j) => Object.assign(j.scenario, { trajectories: 9, inputs: 100, duration: 1, checkpoints: { every: 0.5 }, rateWindow: 0.25 }),
    cli: (j) => { Object.assign(j.scenario, { trajectories: 10, inputs: 1000, duration: 4, checkpoints: { every: 2 } }); j.batches = 5; },
  },
  hebbian: {
    file: 'hebbian-phase.json',
    edit: (j) => Object.assign(j.scenario, { inputDim: 8, outputDim: 8, trajectories: 12, steps: 150, sigma: [0.01, 0.1], gamma: [0.5, 3], checkpoints: [150] }),
    cli: (j) => { Object.assign(j.scenario, { inputDim: 16, outputDim: 16, trajectories: 10, steps: 300, checkpoints: [150, 300] }); j.batches = 5; },
  },
  natgrad: {
    file: 'natural-gradient-fig3.json',
    // A coarser γ table (16 × 11 nodes for the default 121 × 100) and fewer, shorter test patterns (10 of 100 steps
    // for 50 of 500): building them was most of the run.
    edit: (j) => Object.assign(j.scenario, {
      trajectories: 6, duration: 0.2, checkpoints: [0.1, 0.2], table: { vStep: 4, sdStep: 2 }, testPatterns: 10, testWarmup: 100,
    }),
    cli: (j) => { Object.assign(j.scenario, { trajectories: 5, duration: 0.8, checkpoints: [0.4, 0.8] }); j.batches = 5; },
  },
  'zero-order': {
    file: 'many-small-updates.json',
    edit: (j) => { Object.assign(j.scenario, { trajectories: 30, loss: { kind: 'quadratic', dims: [1, 4, 16] }, updates: [10, 40, 160], checkpoints: 4, paths: 2 }); j.batches = 3; },
    cli: (j) => { Object.assign(j.scenario, { trajectories: 400, loss: { kind: 'quadratic', dims: [4, 16] }, updates: [40, 160] }); j.batches = 2; },
  },
};

function shipped(model: string): any {
  const json = JSON.parse(readFileSync(new URL(SMALL[model]!.file, EXPERIMENTS), 'utf8'));
  delete json.$schema;
  return json;
}

/** The small experiment file of a model, as JSON (without the editor's $schema line). */
export function smallExperiment(model: string): any {
  const json = shipped(model);
  SMALL[model]!.edit(json);
  return json;
}

/** The small experiment of the CLI's kill-and-resume test: its batches long enough for a kill to land inside one. */
export function cliExperiment(model: string): any {
  const json = smallExperiment(model);
  SMALL[model]!.cli(json);
  return json;
}

const VOLATILE = new Set(['timing', 'provenance', 'wallSeconds', 'seconds', 'engineSeconds', 'createdAt', 'command', 'copySeconds', 'updatedAt']);

/** A summary without timings and provenance; every number kept. */
export function scrub(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(scrub);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>)
      .filter(([k]) => !VOLATILE.has(k) && !/PerSecond$|perSecond$/.test(k)).map(([k, x]) => [k, scrub(x)]));
  }
  return v;
}
