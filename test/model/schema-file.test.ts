import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { experimentJsonSchema, parseExperiment } from '../../src/models/chain/experiment.ts';
import { wholeModelOf } from '../../src/models/registry.ts';

describe('published JSON Schema and shipped experiments', () => {
  it('schema/experiment.schema.json is up to date (npm run schema regenerates it)', () => {
    const file = JSON.parse(readFileSync(new URL('../../schema/experiment.schema.json', import.meta.url), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(experimentJsonSchema())));
  });

  it('every experiment in experiments/ validates', async () => {
    const fs = await import('node:fs');
    const dir = new URL('../../experiments/', import.meta.url);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).toContain('quickstart.json');
    for (const f of files) {
      const json = JSON.parse(fs.readFileSync(new URL(f, dir), 'utf8'));
      // the chain's parser, or the parser of the model that runs whole (several outputs, spiking, Song, natgrad, Hebbian)
      const m = wholeModelOf(json);
      expect(() => (m ? m.parse(json, {}) : parseExperiment(json)), f).not.toThrow();
    }
  });
});
