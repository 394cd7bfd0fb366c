/** The benchmark plot: trajectory-steps/s against N, one line per engine, one panel per d (log–log). */
export interface ThroughputRow {
  engine: string;
  d: number;
  N: number;
  stepsPerSecond: number;
}

export function throughputSpec(rows: ThroughputRow[], subtitle: string): object {
  // One N only (e.g. --n 2^16): a log scale over a single value puts every tick on the same spot, so widen it.
  const Ns = rows.map((r) => r.N);
  const lo = Math.min(...Ns), hi = Math.max(...Ns);
  const domain = lo === hi ? { domain: [lo / 8, hi * 8] } : {};
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'stdp-mc chain: trajectory-steps per second against N', subtitle, anchor: 'start', fontSize: 15 },
    data: { values: rows.map((r) => ({ ...r, panel: `d = ${r.d}` })) },
    facet: {
      field: 'panel', type: 'ordinal', title: null,
      sort: [...new Set(rows.map((r) => r.d))].sort((a, b) => a - b).map((d) => `d = ${d}`),
      header: { labelFontSize: 13, labelFontWeight: 'bold' },
    },
    columns: 3,
    spec: {
      width: 300,
      height: 230,
      layer: [
        {
          mark: { type: 'line', point: { size: 40 }, strokeWidth: 2 },
          encoding: {
            x: {
              field: 'N', type: 'quantitative', scale: { type: 'log', base: 2, nice: false, ...domain },
              axis: { title: 'trajectories N', values: [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216], labelExpr: "'2^' + format(round(log(datum.value) / log(2)), 'd')" },
            },
            y: { field: 'stepsPerSecond', type: 'quantitative', scale: { type: 'log' }, axis: { title: 'trajectory-steps / s', format: '~s' } },
            color: { field: 'engine', type: 'nominal', legend: { title: 'engine', orient: 'bottom', columns: 3, labelFontSize: 12, labelLimit: 320 } },
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config: { axis: { labelFontSize: 11, titleFontSize: 12, grid: true }, view: { stroke: '#ccc' } },
  };
}
