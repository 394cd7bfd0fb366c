import { GpuJsEngine } from './src/engines/gpujs.ts';
import { CpuEngine } from './src/engines/cpu.ts';
import { resolveScenario } from './src/model/scenario.ts';
const e = await GpuJsEngine.create();
const N = +process.argv[2];
for (const law of ['uniform', 'rademacher', 'truncnormal'] as const) {
  const s = resolveScenario({ model: 'chain', rates: [10, 7.5, 5], alpha: 0.01, seed: 5, steps: 2000, trajectories: N, noise: { law, halfWidth: 1 }, checkpoints: [500, 2000] });
  let t = performance.now();
  const G = await e.run(s); const tg = performance.now() - t; t = performance.now();
  const C = await new CpuEngine().run(s); const tc = performance.now() - t;
  for (const k of [1, 2]) {
    const g = G.checkpoints[k]!, c = C.checkpoints[k]!;
    const p = (g.successCount + c.successCount) / (2 * N);
    const zs = (g.successCount - c.successCount) / N / Math.sqrt(p * (1 - p) * 2 / N);
    const zp = g.p!.map((m, i) => (m.mean - c.p![i]!.mean) / Math.sqrt(m.m2 / (N - 1) / N + c.p![i]!.m2 / (N - 1) / N));
    const zl = (g.logGap.mean - c.logGap.mean) / Math.sqrt(g.logGap.m2 / (N - 1) / N + c.logGap.m2 / (N - 1) / N);
    console.log(law, g.step, 'succ', (g.successCount / N).toFixed(4), (c.successCount / N).toFixed(4), 'z', zs.toFixed(2), 'zp', zp.map((z) => z.toFixed(2)).join(' '), 'zlogGap', zl.toFixed(2), 'tg', tg.toFixed(0), 'tc', tc.toFixed(0));
  }
}
e.dispose();
