/** A shipped experiment file as a preset of the browser page. */
export interface Preset {
  id: string;
  file: string;
  json: Record<string, unknown>;
  /** scenario.model of the experiment (the registry picks the model from it). */
  model?: string;
}

/** A preset from an experiment file's id and its JSON (without the editor's $schema line). */
export function preset(id: string, json: unknown): Preset {
  const { $schema: _, ...rest } = json as Record<string, unknown>;
  return { id, file: `experiments/${id}.json`, json: rest, model: (rest.scenario as { model?: string } | undefined)?.model };
}
