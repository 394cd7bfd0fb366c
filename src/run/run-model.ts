/**
 * What the runners of the single-scenario models share (Song–Miller–Abbott, natural gradient, Hebbian alignment):
 * the experiment file's outer form, recognising it by scenario.model, merging the command line's overrides into the
 * scenario before the model validates it, and one run on the chosen engine with timing and provenance.
 */
import { z } from 'zod';
import type { EngineChoice } from '../engines/index.ts';
import { selectModelEngine, type ModelEngines } from '../engines/select-model.ts';
import type { EngineInfo } from '../engines/types.ts';
import { ScenarioError, zodIssues } from '../core/errors.ts';
import { codeIdentity, type Provenance } from '../core/provenance.ts';

const ModelExperimentFile = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  scenario: z.record(z.string(), z.unknown()),
});

export function isModelExperiment(json: unknown, model: string): boolean {
  return !!json && typeof json === 'object' && (json as any).scenario?.model === model;
}

/** The file's name, description and raw scenario with the defined overrides written over it (not yet validated). */
export function readModelExperiment(json: unknown, overrides: Record<string, unknown>): { name: string; description?: string; scenario: Record<string, unknown> } {
  const r = ModelExperimentFile.safeParse(json);
  if (!r.success) throw new ScenarioError(zodIssues(r.error));
  const scenario: Record<string, unknown> = { ...r.data.scenario };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) scenario[k] = v;
  return { name: r.data.name, description: r.data.description, scenario };
}

export interface ModelEngine<S, O, R> { info: EngineInfo; run(s: S, o?: O): Promise<R>; dispose?(): void }

/** Run `scenario` once on the engine `choice` selects (select-model.ts), then dispose of the engine. */
export async function runOnModelEngine<S extends { seed: number | string; seedKey: [number, number] }, O, R>(
  scenario: S, choice: EngineChoice, engines: ModelEngines<ModelEngine<S, O, R>>, options: O, command?: string,
): Promise<{ engine: EngineInfo; engineReason: string; result: R; wallSeconds: number; provenance: Provenance }> {
  const t0 = performance.now();
  const { engine, reason } = await selectModelEngine(choice, engines);
  let result: R;
  try {
    result = await engine.run(scenario, options);
  } finally {
    engine.dispose?.();
  }
  const id = await codeIdentity();
  return {
    engine: engine.info, engineReason: reason, result, wallSeconds: (performance.now() - t0) / 1000,
    provenance: { ...id, seed: scenario.seed, seedKey: scenario.seedKey, createdAt: new Date().toISOString(), runtime: engine.info.runtime, command },
  };
}
