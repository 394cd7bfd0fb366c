/** Measured asymptotic rate per unit time against α, with the theory curve −r/α (vega-lite spec). */
import { bottomLegend, header, logTickValues } from '../../report/plot-theme.ts';

export function rateVsAlphaSpec(
  data: {
    empirical: { alpha: number; rate: number; lo: number; hi: number; series: string }[];
    theory: { alpha: number; rate: number; series: string }[];
  },
  opts: { title?: string } = {},
): object {
  // the α axis spans the swept α (log scale, a little padding), not the decades vega's nice ticks would add
  const alphas = [...data.empirical, ...data.theory].map((r) => r.alpha).filter((a) => a > 0 && Number.isFinite(a));
  const lo = Math.min(...alphas), hi = Math.max(...alphas);
  const pad = Math.pow(hi / lo, 0.04);
  const domain = [Number((lo / pad).toPrecision(4)), Number((hi * pad).toPrecision(4))];
  const x = {
    field: 'alpha', type: 'quantitative', title: 'learning rate α (log scale)',
    scale: { type: 'log', domain, nice: false }, axis: { format: '~g', values: logTickValues(domain[0]!, domain[1]!) },
  };
  const series = [...new Set([...data.empirical, ...data.theory].map((r) => r.series))];
  const color = { field: 'series', type: 'nominal', title: null, legend: series.length > 1 ? bottomLegend(series) : null };
  const y = { field: 'rate', type: 'quantitative', title: 'd/dt median log(1 − p*)', scale: { zero: false } };
  return {
    ...header(opts.title ?? 'Asymptotic decay of the median log-gap',
      'slope of the median of log(1 − p*) per unit time αk with batch-means 95% intervals; dashed line on top: theory −r/α'),
    layer: [
      {
        data: { values: data.empirical },
        mark: { type: 'rule', strokeWidth: 1.5 },
        encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color },
      },
      {
        data: { values: data.empirical },
        mark: { type: 'point', filled: true, size: 60, opacity: 1 },
        encoding: {
          x, y, color,
          tooltip: [{ field: 'alpha' }, { field: 'rate', format: '.4f' }, { field: 'lo', format: '.4f' }, { field: 'hi', format: '.4f' }],
        },
      },
      {
        data: { values: data.theory },
        mark: { type: 'line', strokeWidth: 2, strokeDash: [7, 3] },
        encoding: { x, y, color },
      },
    ],
  };
}
