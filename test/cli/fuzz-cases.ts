/**
 * The fuzz suite's bad inputs (test/cli/fuzz.test.ts): generated from every model's published JSON Schema (for each
 * scenario field: below its minimum, above its maximum, a fraction for an integer, NaN-like strings, Infinity as
 * 1e999, wrong types, empty lists, deep nesting) and written by hand (the sizes of issue 15, the flags, the output
 * folder's I/O errors, JSON itself). Every case must exit 2 with one line on stderr that matches `expect` (it names
 * the field or flag and the rule; flag errors may add the usage hint as a second line).
 */
import { experimentJsonSchema } from '../../src/models/registry.ts';
import { smallExperiment } from '../models/small-experiments.ts';

/** What the runner prepares in the case's empty working folder before running it. */
export type Setup = 'none' | 'out-is-file' | 'out-under-file' | 'out-dangling-link' | 'out-read-only';

export interface FuzzCase {
  id: string;
  /** Arguments after `stdp-mc`; the experiment file is written to exp.json in the case's folder. */
  argv: string[];
  /** The experiment file's text (exp.json), if the case has one; a function for the large ones (made when run). */
  file?: string | (() => string);
  setup?: Setup;
  /** The first stderr line must match this (after the "stdp-mc: " prefix). */
  expect: RegExp;
  /** A flag error: a usage hint may follow on a second line. */
  flag?: boolean;
}

export const MODELS = ['chain', 'rare-event', 'multi', 'spiking', 'song', 'hebbian', 'natgrad', 'zero-order'] as const;

const text = (j: unknown) => JSON.stringify(j, null, 1);
const edit = (model: string, f: (j: any) => void): string => { const j = smallExperiment(model); f(j); return text(j); };
const run = (...extra: string[]) => ['run', 'exp.json', '--engine', 'cpu', ...extra];
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The refusal names `path` (then `[`, `.` or `:`) and says a rule: anything but a bare "Invalid input". */
const at = (path: string) => new RegExp(`^${esc(path)}(?:[[.][^:]*)?: (?!Invalid input$).+`);
const SIZE = /requested, at most \d+ \(about [\d.e+]+ (?:bytes|kB|MB|GB|TB|PB) of [^)]+\)/;
const atSize = (path: string) => new RegExp(`^${esc(path)}: \\d+ requested, at most \\d+ \\(about .+ of .+\\)`);

/** A 100 000-deep nested array as text (JSON.stringify would recurse). */
export function deepArray(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

type Prop = { type?: string | string[]; anyOf?: Prop[]; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; minItems?: number; enum?: unknown[]; items?: Prop; const?: unknown };

/** Each model's scenario properties, from the published JSON Schema (one branch per model; rare-event is chain's). */
function scenarioProps(): Map<string, Record<string, Prop>> {
  const schema = experimentJsonSchema() as { anyOf: { properties: { scenario: { properties: Record<string, Prop> } } }[] };
  const out = new Map<string, Record<string, Prop>>();
  for (const branch of schema.anyOf) {
    const props = branch.properties.scenario.properties;
    const model = (props.model as Prop).const as string;
    out.set(model, props);
  }
  out.set('rare-event', out.get('chain')!);
  return out;
}

const types = (p: Prop): Set<string> => new Set(p.anyOf ? p.anyOf.flatMap((b) => [...types(b)]) : p.type === undefined ? (p.enum ? ['enum'] : []) : [p.type].flat());

/**
 * Bad values of one field, each certainly refused by the field's own rule: one of each kind of wrong (a NaN-like
 * string, Infinity as 1e999, each wrong type, deep nesting for the first fields, and for plain numbers below the
 * minimum, negative, above the maximum, 1e300, a fraction for an integer; an empty list where one is needed, a
 * string or a deep list as an entry).
 */
function badValues(p: Prop, index: number): [string, string][] {
  const t = types(p), out: [string, string][] = [];
  const isNum = t.has('number') || t.has('integer');
  if (isNum && !t.has('string')) out.push(['NaN-string', '"NaN"']);
  if (isNum) out.push(['1e999', '1e999']);
  // Two wrong types per field, in turn over the fields (each kind is tried on every model).
  const wrong: [string, string, boolean][] = [
    ['true', 'true', !t.has('boolean')], ['object', '{"x": 1}', !t.has('object')], ['array', '[1]', !t.has('array')],
    ['null', 'null', true], ['string', '"12"', !t.has('string') && !t.has('enum') && !isNum],
  ];
  const usable = wrong.filter((w) => w[2]);
  for (let k = 0; k < Math.min(2, usable.length); k++) { const w = usable[(index + k) % usable.length]!; out.push([w[0], w[1]]); }
  if (!t.has('array') && index <= 3) out.push(['deep', deepArray(200)]);
  if (p.enum) out.push(['not-in-enum', '"no-such-value"']);
  if (!p.anyOf && (p.type === 'number' || p.type === 'integer')) {
    const lo = p.exclusiveMinimum ?? p.minimum;
    if (lo !== undefined) {
      out.push(['below-min', String(p.exclusiveMinimum !== undefined ? lo : lo - 1)]);
      if (lo - 5 < -5 || lo >= 0) out.push(['negative', String(Math.min(-5, lo - 5))]);
    }
    const hi = p.exclusiveMaximum ?? p.maximum;
    if (hi !== undefined && hi < 1e300) out.push(['above-max', String(p.exclusiveMaximum !== undefined ? hi : hi + 1)], ['huge', '1e300']);
    if (p.type === 'integer') out.push(['fraction', '1.5']);
  }
  if (!p.anyOf && p.type === 'array') {
    if ((p.minItems ?? 0) >= 1) out.push(['empty', '[]']);
    const it = p.items;
    // The other entries valid (1), as many as the list needs, so that the element's own rule is the one broken.
    const rest = ', 1'.repeat(Math.max(0, (p.minItems ?? 1) - 1));
    if (it && (it.type === 'number' || it.type === 'integer')) out.push(['element-string', `["x"${rest}]`], ['element-deep', `[${deepArray(100)}${rest}]`]);
  }
  return [...new Map(out.map(([k, v]) => [k, [k, v] as [string, string]])).values()];
}

/** Put raw JSON `value` text in place of scenario.<field> of a model's small experiment. */
function withRaw(model: string, section: 'scenario' | 'rareEvent', field: string, value: string): string {
  const j = smallExperiment(model);
  const MARK = '"__FUZZ_VALUE__"';
  j[section][field] = '__FUZZ_VALUE__';
  return text(j).replace(MARK, value);
}

export function generatedCases(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const props = scenarioProps();
  for (const model of MODELS) {
    for (const [j, [field, p]] of Object.entries(props.get(model)!).entries()) {
      if (field === 'model') continue;
      for (const [kind, value] of badValues(p, j)) {
        cases.push({ id: `gen ${model} scenario.${field} ${kind}`, argv: run(), file: withRaw(model, 'scenario', field, value), expect: at(`scenario.${field}`) });
      }
    }
  }
  for (const [field, values] of Object.entries({ particles: ['1', '2.5', '"many"', '1e999', '-3', '1e300'], replicates: ['0', '1.5', '[]', '1e300'], keepFraction: ['0', '1', '-0.5', '"half"'] })) {
    for (const v of values) cases.push({ id: `gen rare-event rareEvent.${field} ${v}`, argv: run(), file: withRaw('rare-event', 'rareEvent', field, v), expect: at(`rareEvent.${field}`) });
  }
  return cases;
}

const BIG_K = 4294967295;

export function handWrittenCases(): FuzzCase[] {
  const c: FuzzCase[] = [];
  const add = (id: string, argv: string[], file: FuzzCase['file'], expect: RegExp, more: Partial<FuzzCase> = {}) => c.push({ id, argv, file, expect, ...more });
  const flag = (id: string, argv: string[], expect: RegExp, model = 'chain', file = text(smallExperiment(model))) => add(id, argv, file, expect, { flag: true });

  // Sizes, checked before anything is expanded or allocated.
  for (const model of ['chain', 'multi', 'spiking']) {
    add(`${model}: steps 2^32 − 1 with checkpoints every 1`, run(), edit(model, (j) => Object.assign(j.scenario, { steps: BIG_K, checkpoints: { every: 1 } })), atSize('scenario.checkpoints'));
  }
  // hebbian's steps stop at 2^32 − 3: refused there, or for the checkpoints.
  add('hebbian: steps 2^32 − 1 with checkpoints every 1', run(), edit('hebbian', (j) => Object.assign(j.scenario, { steps: BIG_K, checkpoints: { every: 1 } })), /^scenario\.(steps|checkpoints): /);
  add('hebbian: steps 2^32 − 3 with checkpoints every 1', run(), edit('hebbian', (j) => Object.assign(j.scenario, { steps: BIG_K - 2, checkpoints: { every: 1 } })), atSize('scenario.checkpoints'));
  add('chain: checkpoints log 1e9 at K = 500', run(), edit('chain', (j) => Object.assign(j.scenario, { steps: 500, checkpoints: { log: 1e9 } })), atSize('scenario.checkpoints'));
  add('multi: checkpoints log 1e9 at K = 500', run(), edit('multi', (j) => Object.assign(j.scenario, { steps: 500, checkpoints: { log: 1e9 } })), atSize('scenario.checkpoints'));
  add('song: checkpoints every 0.0001 s over 10⁵ s', run(), edit('song', (j) => Object.assign(j.scenario, { duration: 100000, rateWindow: 1, checkpoints: { every: 0.0001 } })), atSize('scenario.checkpoints'));
  add('song: rateWindow = dt for 16000 copies', run(), edit('song', (j) => Object.assign(j.scenario, { duration: 100, dt: 0.1, rateWindow: 0.0001, trajectories: 16000, checkpoints: { every: 10 } })), atSize('scenario.rateWindow'));
  add('natgrad: inputs [{count: 1e9}]', run(), edit('natgrad', (j) => { j.scenario.inputs = [{ count: 1e9, rate: 10 }]; }), /^scenario\.inputs(\[0\](\.count)?)?: /);
  add('rare-event: particles 1e9', run(), edit('rare-event', (j) => { j.rareEvent.particles = 1e9; }), atSize('rareEvent.particles'));
  add('chain: target.maxTrajectories 1e12', run(), edit('chain', (j) => { j.target = { successCIWidth: 0.01, maxTrajectories: 1e12, batchSize: 1000 }; }), at('target.maxTrajectories'));
  add('chain: rates 1.7e308 overflow λᵀw', run(), edit('chain', (j) => { j.scenario.rates = [1.7e308, 1.7e308, 1]; }), /^scenario\.rates: .*overflow/);
  add('multi: rates 1.7e308 overflow λᵀw', run(), edit('multi', (j) => { j.scenario.rates = [1.7e308, 1.6e308, 1]; delete j.scenario.initialWeights; }), /^scenario\.rates: .*overflow/);
  add('spiking: rates 1.7e308 overflow λᵀw', run(), edit('spiking', (j) => { j.scenario.rates = j.scenario.rates.map((_: number, i: number) => 1.7e308 - i * 1e300); delete j.scenario.initialWeights; }), /^scenario\.rates: .*overflow/);
  add('chain: 10⁶ inputs', run(), () => edit('chain', (j) => { j.scenario.rates = Array.from({ length: 1e6 }, (_, i) => 1 + i); delete j.scenario.initialWeights; }), atSize('scenario.rates'));
  add('chain: sweep of 10⁹ grid points', run(), () => edit('chain', (j) => { j.sweep = { alpha: Array.from({ length: 1000 }, (_, i) => 0.001 + i * 1e-6), points: Array.from({ length: 1000 }, () => ({})), noise: Array.from({ length: 1000 }, () => ({})) }; }), atSize('sweep'));
  add('zero-order: 1000 × 1000 grid', run(), () => edit('zero-order', (j) => { j.scenario.loss.dims = Array.from({ length: 1000 }, (_, i) => i + 1); j.scenario.updates = Array.from({ length: 1000 }, (_, i) => 1000 + i); }), /^scenario\.updates: .*at most 1024/);
  add('sweep.points entry nested 100 000 deep', run(), () => edit('chain', (j) => { j.sweep = { points: ['__DEEP__'] }; }).replace('"__DEEP__"', deepArray(100000)), /^sweep\.points\[0\].*(deep|nest)/i);
  add('a 50 MB rates array', run(), () => `{"name":"big","scenario":{"model":"chain","alpha":0.01,"steps":10,"trajectories":10,"seed":1,"rates":[${'1.0000001,'.repeat(5_000_000)}1]}}`, /(50|5\d)(\.\d+)? MB|bytes/);
  add('duplicated JSON key', run(), text(smallExperiment('chain')).replace('"alpha":', '"alpha": 0.02, "alpha":'), /^scenario\.alpha.*(twice|duplicate)/i);
  add('name ".."', run(), edit('chain', (j) => { j.name = '..'; }), at('name'));
  add('name "a/b"', run(), edit('multi', (j) => { j.name = 'a/../../b'; }), at('name'));
  add('unknown model', run(), edit('chain', (j) => { j.scenario.model = 'nope'; }), /^scenario\.model: unknown model "nope"/);
  add('seed 1.5', run(), edit('chain', (j) => { j.scenario.seed = 1.5; }), /^scenario\.seed: must be an integer ≥ 0 or a string/);
  add('algorithm 3', run(), edit('multi', (j) => { j.scenario.algorithm = 3; }), /^scenario\.algorithm: must be 1 .* or 2/);
  add('gamma [1e999]', run(), edit('chain', (j) => { j.scenario.gamma = '__G__'; }).replace('"__G__"', '[1e999]'), /^scenario\.gamma\[0\]: must be an array/);
  add('gamma with an entry 1e999', run(), edit('chain', (j) => { j.scenario.gamma = '__G__'; }).replace('"__G__"', '[[1, 1e999, 0], [0, 1, 0], [0, 0, 1]]'), /^scenario\.gamma\[0\]\[1\]: must be finite/);
  add('checkpoints [1.5]', run(), edit('chain', (j) => { j.scenario.checkpoints = [1.5]; }), /^scenario\.checkpoints\[0\]: must be an integer/);
  add('checkpoints {log: 1.5}', run(), edit('chain', (j) => { j.scenario.checkpoints = { log: 1.5 }; }), /^scenario\.checkpoints\.log: must be an integer/);
  add('top level is an array', run(), '[1, 2]', /^\(root\): .*object/);
  add('empty file', run(), '', /JSON|end of the text|empty/i);
  add('not JSON', run(), '{name: x}', /JSON|line 1/i);
  add('batches 0', run(), edit('song', (j) => { j.batches = 0; }), at('batches'));

  // Flags.
  flag('--duration 1e9', run('--duration', '1e9'), /duration/, 'natgrad');
  flag('--batch-size 0', run('--batch-size', '0'), /--batch-size/);
  flag('--steps-per-dispatch 0', run('--steps-per-dispatch', '0'), /--steps-per-dispatch/);
  flag('--trajectories -5', run('--trajectories', '-5'), /--trajectories/);
  flag('--trajectories 1e12', run('--trajectories', '1e12'), /trajectories/);
  flag('--seed -5', run('--seed', '-5'), /seed/);
  flag('--seed=-5', run('--seed=-5'), /seed/);
  flag('--seed 1.5', run('--seed', '1.5'), /seed.*must be an integer ≥ 0 or a string/);
  flag('--duration -5', run('--duration', '-5'), /--duration/, 'natgrad');
  flag('--steps 0', run('--steps', '0'), /steps/);
  flag('--steps 1e400', run('--steps', '1e400'), /--steps/);
  flag('unknown flag', run('--bogus'), /--bogus/);
  flag('--engine gpujs on multi', ['run', 'exp.json', '--engine', 'gpujs'], /gpujs|--engine/, 'multi');
  flag('--engine gpujs on spiking', ['run', 'exp.json', '--engine', 'gpujs'], /gpujs|--engine/, 'spiking');
  flag('--engine warp', run('--engine', 'warp'), /--engine/);
  flag('--shard 0/3', run('--shard', '0/3'), /--shard/);
  flag('--shard 4/3', run('--shard', '4/3'), /--shard/);
  flag('--shard abc', run('--shard', 'abc'), /--shard/);
  flag('--out /proc/self/x', run('--out', '/proc/self/x'), /\/proc\/self\/x/);
  flag('--out ""', run('--out', ''), /--out/);
  flag('--out an existing file', run('--out', 'afile'), /afile/);
  c[c.length - 1]!.setup = 'out-is-file';
  flag('--out a path under a file', run('--out', 'afile/sub'), /afile\/sub|afile/);
  c[c.length - 1]!.setup = 'out-under-file';
  flag('--out a dangling link', run('--out', 'dangling'), /dangling/);
  c[c.length - 1]!.setup = 'out-dangling-link';
  flag('--out a read-only directory', run('--out', 'ro/sub'), /ro(\/sub)?\b/);
  c[c.length - 1]!.setup = 'out-read-only';
  add('missing experiment file', ['run', 'no-such.json'], undefined, /no-such\.json/);
  return c;
}

export function allCases(): FuzzCase[] {
  return [...handWrittenCases(), ...generatedCases()];
}

export { SIZE };
