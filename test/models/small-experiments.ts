/**
 * One shipped experiment per model of the registry, made small (the edits a user would make to try it): the
 * registry-walking tests run these on every engine, resume them and shard them. A model missing here fails
 * test/models/registry.test.ts.
 */
import { readFileSync } from 'node:fs';

const EXPERIMENTS = new URL('../../experiments/', import.meta.url);

export const SMALL: Record<string, { file: string; edit: (j: any) => void }> = {
  chain: { file: 'quickstart.json', edit: (j) => Object.assign(j.scenario, { trajectories: 3000, steps: 300, checkpoints: { every: 100 } }) },
  'rare-event': {
    file: 'rare-failure.json',
    edit: (j) => { j.rareEvent = { particles: 60, replicates: 8 }; j.sweep = { alpha: [0.05, 0.03], time: 20 }; j.batches = 4; },
  },
  multi: { file: 'fig5-multi-1e-3.json', edit: (j) => Object.assign(j.scenario, { trajectories: 90, steps: 1500, checkpoints: [0, 500, 1000, 1500] }) },
  spiking: { file: 'spiking-vs-chain.json', edit: (j) => Object.assign(j.scenario, { trajectories: 120, steps: 150, checkpoints: [0, 50, 100, 150] }) },
  song: { file: 'song2000.json', edit: (j) => Object.assign(j.scenario, { trajectories: 9, inputs: 100, duration: 1, checkpoints: { every: 0.5 }, rateWindow: 0.25 }) },
  hebbian: { file: 'hebbian-phase.json', edit: (j) => Object.assign(j.scenario, { trajectories: 12, steps: 150, sigma: [0.01, 0.1], gamma: [0.5, 3], checkpoints: [150] }) },
  natgrad: { file: 'natural-gradient-fig3.json', edit: (j) => Object.assign(j.scenario, { trajectories: 6, duration: 0.4, checkpoints: [0.2, 0.4] }) },
  'zero-order': { file: 'many-small-updates.json', edit: (j) => { Object.assign(j.scenario, { trajectories: 30, loss: { kind: 'quadratic', dims: [1, 4, 16] }, updates: [10, 40, 160], checkpoints: 4, paths: 2 }); j.batches = 3; } },
};

/** The small experiment file of a model, as JSON (without the editor's $schema line). */
export function smallExperiment(model: string): any {
  const spec = SMALL[model]!;
  const json = JSON.parse(readFileSync(new URL(spec.file, EXPERIMENTS), 'utf8'));
  delete json.$schema;
  spec.edit(json);
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
