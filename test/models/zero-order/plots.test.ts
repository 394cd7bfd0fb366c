/**
 * The zero-order report's log–log plots label what a reader looks for, in the picture and not only in the SVG's text
 * (vega keeps labels hidden for overlap as text with opacity 0): the grid's own n and d on the x axes (the points sit on
 * them; vega's 1…9 × 10^k ticks stopped at 10 for d = 16 and hid every other one, 1000 among them), and on y the
 * 1-2-5 values across the plotted range, decades included (0.1 and 0.2 were hidden).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { zeroOrderModel } from '../../../src/models/zero-order/definition.ts';
import { logTickValues } from '../../../src/report/plot-theme.ts';
import { tQuantile } from '../../../src/stats/beta.ts';
import { num } from '../../../src/report/files.ts';
import { renderSvg } from '../../../src/report/render.ts';
import type { PlotJob } from '../../../src/report/files.ts';
import { runEnsemble } from '../../../src/run/run-ensemble.ts';
import { parseXml, visibleAxisLabels, type XmlNode } from '../../report/svg-tree.ts';

const DIMS = [1, 4, 16], UPDATES = [10, 100, 1000];
let plots: PlotJob[] = [];
let comparisons: { quantity: string; note: string }[] = [];
const svgs: Record<string, XmlNode> = {};

beforeAll(async () => {
  const json = JSON.parse(readFileSync(new URL('../../../experiments/many-small-updates.json', import.meta.url), 'utf8'));
  delete json.$schema;
  Object.assign(json.scenario, { loss: { kind: 'quadratic', dims: DIMS }, updates: UPDATES, minRatio: 0, trajectories: 24, checkpoints: 2, paths: 0 });
  json.batches = 2;
  const run = await runEnsemble(zeroOrderModel, zeroOrderModel.parse(json, {}), { engine: 'cpu' });
  const files = zeroOrderModel.files(zeroOrderModel.result(run));
  plots = files.plots;
  comparisons = (files.summary as any).comparisons;
  for (const p of plots) svgs[p.name] = parseXml(await renderSvg(p.spec));
}, 60_000);

/** The positive values a layer plots on y (points, interval ends, fitted and theory lines). */
function yValues(spec: any): number[] {
  return spec.layer.flatMap((l: any) => (l.data?.values ?? []).flatMap((r: any) => [r.y, r.lo, r.hi]))
    .filter((v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
}

describe('zero-order plots: log axes labelled in the picture', () => {
  it('RMS sup-error against n: every n of the grid on x, the 1-2-5 values of the range on y', () => {
    const job = plots.find((p) => p.name === 'rms-sup-vs-n')!;
    const svg = svgs['rms-sup-vs-n']!;
    expect(visibleAxisLabels(svg, 'X')).toEqual(UPDATES.map(String));
    const ys = yValues(job.spec);
    expect(Math.max(...ys) / Math.min(...ys)).toBeGreaterThan(10); // the case where vega's own ticks dropped decades
    const ticks = logTickValues(Math.min(...ys), Math.max(...ys));
    expect(ticks.some((t) => Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9)).toBe(true);
    expect(visibleAxisLabels(svg, 'Y')).toEqual(ticks.map(String));
  });

  it('√n · RMS error against d: every d of the grid on x, the largest included', () => {
    expect(visibleAxisLabels(svgs['rms-vs-d']!, 'X')).toEqual(DIMS.map(String));
  });

  it('the RMS rows\' 99.9 % intervals are Student t with n − 1 = 23 degrees of freedom (a normal ±3.29 SE was too narrow)', () => {
    const rows = comparisons.filter((c) => c.quantity.startsWith('RMS ‖Zⁿ_T − Z_T‖ at d = '));
    expect(rows.length).toBe(DIMS.length * UPDATES.length);
    const t = tQuantile(0.999, 23);
    for (const c of rows) {
      expect(c.note).toContain(`interval ±${num(t, 3)} SE (99.9 %, Student t, 23 degrees of freedom)`);
    }
  });
});
