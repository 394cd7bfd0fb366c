/**
 * What the page and the command line say about any model's experiment, read from the model's own data: what its
 * copies are called (trajectories, copies, learners, replicates — from the description of the experiment field that holds their
 * number, in the model's JSON Schema), its unit of work (that noun's steps), and the run's total work
 * (Σ units[i].trajectories × workPerCopy, the run layer's own count).
 */
import { z } from 'zod';
import type { EnsembleModel, ModelExperiment } from './model.ts';

export interface Nouns {
  /** "trajectories", "copies", "learners", "replicates". */
  copies: string;
  /** "trajectory", "copy", "learner", "replicate". */
  copy: string;
  /** The unit of GridUnit.workPerCopy: "trajectory-steps", "learner-steps"… */
  work: string;
  /** The experiment field that holds the copies' number ("scenario.trajectories", or another section's, such as "<section>.replicates"). */
  field: string;
}

const NOUN = /\b(trajectories|copies|learners|replicates|networks|particles|runs)\b/i;
const SINGULAR: Record<string, string> = {
  trajectories: 'trajectory', copies: 'copy', learners: 'learner', replicates: 'replicate', networks: 'network', particles: 'particle', runs: 'run',
};

const schemas = new Map<EnsembleModel, any>();
function jsonSchema(model: EnsembleModel): any {
  if (!schemas.has(model)) {
    let s: unknown = null;
    try { s = z.toJSONSchema(model.fileSchema(), { io: 'input', unrepresentable: 'any' }); } catch { /* no schema: default nouns */ }
    schemas.set(model, s);
  }
  return schemas.get(model);
}

/** The description of the schema node at a path of property names (through anyOf/oneOf/allOf and local $refs). */
function describeAt(root: any, path: string[]): string | undefined {
  const resolve = (n: any): any => (n?.$ref && typeof n.$ref === 'string' && n.$ref.startsWith('#/')
    ? n.$ref.slice(2).split('/').reduce((a: any, k: string) => a?.[k], root) : n);
  let nodes: any[] = [root];
  for (const key of path) {
    const next: any[] = [];
    const visit = (n: any) => {
      n = resolve(n);
      if (!n || typeof n !== 'object') return;
      if (n.properties?.[key]) next.push(n.properties[key]);
      for (const k of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(n[k])) n[k].forEach(visit);
    };
    nodes.forEach(visit);
    nodes = next;
  }
  for (const n of nodes) {
    const d = resolve(n)?.description ?? n?.description;
    if (typeof d === 'string') return d;
  }
  return undefined;
}

/** Paths of the numeric leaves of a JSON value equal to `v`. */
function pathsOf(json: unknown, v: number, at: string[] = [], out: string[][] = []): string[][] {
  if (typeof json === 'number' && json === v) out.push(at);
  else if (json && typeof json === 'object' && !Array.isArray(json)) {
    for (const [k, x] of Object.entries(json)) pathsOf(x, v, [...at, k], out);
  }
  return out;
}

const cache = new WeakMap<object, Nouns>();

/** The nouns of a model's experiment: from the schema description of the field holding the copies' number. */
export function nounsOf(model: EnsembleModel, json: unknown, exp: ModelExperiment): Nouns {
  const hit = json && typeof json === 'object' ? cache.get(json) : undefined;
  if (hit) return hit;
  const root = jsonSchema(model);
  const n = exp.units[0]?.trajectories ?? 0;
  const candidates = [...pathsOf(json, n), ['scenario', 'trajectories']];
  let copies = 'copies', field = 'scenario.trajectories';
  for (const p of root ? candidates : []) {
    const m = NOUN.exec(describeAt(root, p) ?? '');
    if (m) { copies = m[1]!.toLowerCase(); field = p.join('.'); break; }
  }
  const copy = SINGULAR[copies] ?? copies;
  const out = { copies, copy, work: `${copy}-steps`, field };
  if (json && typeof json === 'object') cache.set(json, out);
  return out;
}

/** The run's total work (the model's own unit) and copies. */
export function totalWork(exp: ModelExperiment): { work: number; copies: number } {
  return {
    work: exp.units.reduce((a, u) => a + u.trajectories * u.workPerCopy, 0),
    copies: exp.units.reduce((a, u) => a + u.trajectories, 0),
  };
}
