/** Measured asymptotic rate per unit time against α, with the theory curve −r/α (vega-lite spec). */
export function rateVsAlphaSpec(
  data: {
    empirical: { alpha: number; rate: number; lo: number; hi: number; series: string }[];
    theory: { alpha: number; rate: number; series: string }[];
  },
  opts: { title?: string } = {},
): object {
  const x = { field: 'alpha', type: 'quantitative', scale: { type: 'log' }, title: 'learning rate α' };
  const color = { field: 'series', type: 'nominal', title: null };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: opts.title ?? 'Asymptotic decay of the median log-gap', subtitle: 'slope of median log(1 − p*) per unit time αk; line: −r/α' },
    width: 600,
    height: 360,
    layer: [
      {
        data: { values: data.theory },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: { x, y: { field: 'rate', type: 'quantitative', title: 'd/dt median log(1 − p*)', scale: { zero: false } }, color },
      },
      {
        data: { values: data.empirical },
        mark: { type: 'rule', strokeWidth: 1.5 },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
      },
      {
        data: { values: data.empirical },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x, y: { field: 'rate', type: 'quantitative' }, color,
          tooltip: [{ field: 'alpha' }, { field: 'rate', format: '.4f' }, { field: 'lo', format: '.4f' }, { field: 'hi', format: '.4f' }],
        },
      },
    ],
    config: { font: 'DejaVu Sans' },
  };
}
