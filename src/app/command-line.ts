/**
 * The command line equivalent to what the page runs, and the URL query that reloads it: a shipped experiment with
 * the CLI's --trajectories/--steps/--seed where the experiment is a preset with those values changed, else the whole
 * experiment written to a file (a heredoc) whose $schema is the repository's schema file, then run.
 */
import type { EngineChoice } from '../engines/index.ts';
import type { EnsembleModel } from '../run/model.ts';
import { slug } from './format.ts';
import { PRESETS } from './presets.ts';

/** The values the URL and the CLI may write over a preset's scenario. */
export const OVERRIDES = ['trajectories', 'steps', 'seed'] as const;

/** Where the schema is, relative to the folder the command runs in (the repository, as for experiments/…). */
export const SCHEMA_PATH = 'schema/experiment.schema.json';

const quote = (v: unknown) => (typeof v === 'string' ? `'${v.replace(/'/g, `'\\''`)}'` : String(v));

/** An experiment that is no preset: written to a file (heredoc) and run; the URL carries it whole. */
export function asWholeFile(json: Record<string, unknown>, engine: EngineChoice): { command: string; query: URLSearchParams } {
  const file = `${slug(json.name)}.json`;
  const { $schema: _, ...rest } = json;
  return {
    command: `cat > ${file} <<'EOF'\n${JSON.stringify({ $schema: `./${SCHEMA_PATH}`, ...rest }, null, 2)}\nEOF\nnpx stdp-mc run ${file} --engine ${engine} --force`,
    query: new URLSearchParams({ exp: JSON.stringify(rest), engine }),
  };
}

/**
 * The CLI command and URL query for an experiment of `model`: the first preset of the same model that, with some of
 * the OVERRIDES written over it (as the CLI does), parses to the same experiment; else the whole file.
 */
export function describeRun(json: Record<string, unknown>, model: EnsembleModel, engine: EngineChoice): { command: string; query: URLSearchParams } {
  const sc = (json.scenario ?? {}) as Record<string, unknown>;
  let target: string | null = null;
  for (const p of PRESETS) {
    if (p.model !== undefined && p.model !== sc.model) continue;
    const psc = p.json.scenario as Record<string, unknown>;
    const o: Record<string, unknown> = {};
    for (const k of OVERRIDES) if (sc[k] !== undefined && sc[k] !== psc[k]) o[k] = sc[k];
    try {
      target ??= JSON.stringify(model.parse(json, {}));
      if (JSON.stringify(model.parse(p.json, o)) !== target) continue;
    } catch {
      continue;
    }
    const flags = OVERRIDES.filter((k) => o[k] !== undefined).map((k) => ` --${k} ${quote(o[k])}`).join('');
    const query = new URLSearchParams({ preset: p.id });
    for (const k of OVERRIDES) if (o[k] !== undefined) query.set(k, String(o[k]));
    query.set('engine', engine);
    return { command: `npx stdp-mc run ${p.file} --engine ${engine}${flags} --force`, query };
  }
  return asWholeFile(json, engine);
}
