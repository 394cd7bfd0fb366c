/**
 * The zero-order terminal report for the network (no closed form): per grid point the bias ‖E Zⁿ_T − Z_T‖ beside
 * the RMS errors (the README's key result for it: the error levels off at the smoothing bias), as the CSV's bias
 * column computes it, √max(0, ‖mean error‖² − noise floor²); and the closed-form row says why there is none instead of
 * printing "- vs -".
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { zeroOrderModel } from '../../../src/models/zero-order/definition.ts';
import { zeroOrderHumanReport } from '../../../src/models/zero-order/human.ts';
import { runEnsemble } from '../../../src/run/run-ensemble.ts';

describe('zero-order terminal report, network loss', () => {
  it('prints the bias with its noise floor per grid point, and why no closed form is compared', async () => {
    const json = JSON.parse(readFileSync(new URL('../../../experiments/many-small-updates-network.json', import.meta.url), 'utf8'));
    delete json.$schema;
    Object.assign(json.scenario, { updates: [100, 300], trajectories: 6, checkpoints: 2, paths: 0 });
    json.scenario.loss.hidden = [1];
    json.batches = 1;
    const run = await runEnsemble(zeroOrderModel, zeroOrderModel.parse(json, {}), { engine: 'cpu' });
    const s = zeroOrderModel.files(zeroOrderModel.result(run)).summary as any;
    const text = zeroOrderHumanReport(s, { summary: 'summary.json', html: null } as any);
    expect(s.points.length).toBe(2);
    for (const p of s.points) {
      const b = p.bias;
      const bias = Number(Math.sqrt(Math.max(0, b.squared)).toPrecision(3)).toString();
      expect(text).toContain(`d ${p.d}, n ${p.n}: `);
      expect(text).toContain(`, bias ${bias} (‖mean error‖ ${Number(b.meanErrorNorm.toPrecision(3))}, noise floor ${Number(b.noiseFloor.toPrecision(3))})`);
    }
    expect(text).toContain('not comparable terminal RMS error against a closed form:\n                 no closed form for the network\n');
    expect(text).not.toContain('- vs -');
  });

  it('a batch reports its progress in the run layer\'s work (events × d): it ends at the batch\'s work, as the page\'s calibration reads it', async () => {
    const json = JSON.parse(readFileSync(new URL('../../../experiments/many-small-updates.json', import.meta.url), 'utf8'));
    delete json.$schema;
    Object.assign(json.scenario, { loss: { kind: 'quadratic', dims: [16] }, updates: [200], trajectories: 6, checkpoints: 2, paths: 0 });
    const exp = zeroOrderModel.parse(json, {});
    const { engine } = await zeroOrderModel.selectEngine('cpu');
    const seen: number[] = [];
    await zeroOrderModel.runBatch(engine, exp, 0, [0, 6], { onProgress: (k: number) => seen.push(k) } as any);
    expect(seen.at(-1)).toBe(6 * exp.units[0]!.workPerCopy);
    expect(exp.units[0]!.workPerCopy).toBeGreaterThan(200); // d = 16 times the events
    expect(seen.every((k, i) => i === 0 || k >= seen[i - 1]!)).toBe(true);
  });
});
