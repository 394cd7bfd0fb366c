import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { experimentJsonSchema } from '../../src/models/registry.ts';
import { modelOf } from '../../src/models/registry.ts';

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
      // the parser of the model the registry gives the file
      expect(() => modelOf(json).parse(json, {}), f).not.toThrow();
    }
  });
});
