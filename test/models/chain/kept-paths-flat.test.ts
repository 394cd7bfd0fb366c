/**
 * The chain's CPU engines write each kept path's p into its rows and into one flat Float64Array (cpu-batch.ts), and a
 * batch's state line encodes the flat copy (packed-floats.ts withFlatForm): the line must hold exactly the numbers of
 * the rows, for a range starting past 0 and for batches split into several dispatch chunks and folds.
 */
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../../../src/models/chain/cpu-engine.ts';
import { resolveScenario } from '../../../src/models/chain/scenario.ts';
import { flatFormOf, packFloats } from '../../../src/core/packed-floats.ts';

const scenario = {
  model: 'chain', rates: [1, 1.2, 1], initialWeights: [0.3, 0.3, 0.4], alpha: 0.02, steps: 300, checkpoints: { every: 25 },
  trajectories: 400, keepPaths: 90, seed: 78,
};

describe('kept paths: the flat copy the state line encodes', () => {
  it('holds the rows\' numbers bit for bit, row-major, every row written through it', async () => {
    for (const [range, batchSize] of [[[0, 400], undefined], [[60, 160], 7]] as const) {
      const r = await new CpuEngine().run(resolveScenario(scenario), { trajectoryRange: [...range] as [number, number], batchSize });
      const paths = r.paths!;
      const C = r.checkpoints.length;
      expect(paths.length).toBe(Math.min(90, range[1]) - range[0]);
      const form = flatFormOf(paths)!;
      expect(form.shape).toEqual([paths.length, C, 3]);
      expect(form.rows).toBe(paths.length * C);
      const rowMajor = new Float64Array(paths.flat(2));
      expect(Array.from(new Uint32Array(form.flat.buffer))).toEqual(Array.from(new Uint32Array(rowMajor.buffer)));
      // The encoding through the copy is the encoding of the rows (a deep copy carries no flat copy).
      expect(JSON.stringify(packFloats(paths))).toBe(JSON.stringify(packFloats(structuredClone(paths))));
    }
  });
});
