/**
 * Outputs of a Hebbian-alignment run (issue 9; arXiv 2505.18069): summary.json, alignment.csv (per grid point,
 * checkpoint and layer: ⟨signal, Hebbian⟩ and the cosine with 95 % intervals, fraction of copies with a positive
 * cosine, loss, and for the linear student the exact closed form), the alignment against time per grid point, for the
 * linear student the measured ⟨signal, Hebbian⟩ against time with the closed form drawn on top, the
 * (σ, γ) phase diagram of the measured final cosine with the predicted boundary (η → 0 and exact-η), the linear
 * measured-vs-closed-form table with verdicts, where the alignment grows monotonically with γ (per σ, consecutive γ
 * compared with intervals), report.html.
 */
import type { HebbianExperimentResult } from './run.ts';
import { hebbianParams } from './cpu-engine.ts';
import { hebbianFlagNames, summarizeHebbian } from './stats.ts';
import { GRID_VERDICT_LEVEL, judge, type Comparison } from '../../stats/compare.ts';
import { tQuantile } from '../../stats/beta.ts';
import {
  innerProductPath, noiseLevels, phaseBoundary, smallEtaInnerProduct, stationaryInnerProduct, type LinearTheoryParams,
} from './theory.ts';
import { toCsv } from '../../report/html.ts';
import { alignmentTimeSpec, gridCoordinate, innerProductTimeSpec, phaseDiagramSpec, type PhaseCell, type TimeRow } from './plots.ts';
import { num, withReport, reportProvenance, engineLine, type ReportParts } from '../../report/files.ts';

/** What σ is, per noise source (axis titles and captions). */
export const NOISE_LABEL = { parameter: 'parameter noise σ', gradient: 'gradient noise σ_g', input: 'input noise σ_x' } as const;

export interface MonotoneStep { from: number; to: number; delta: number | null; lo: number | null; hi: number | null; verdict: 'up' | 'down' | 'unresolved' }

/**
 * Whether the final mean cosine (layer 1) grows with γ, per σ: consecutive γ of the grid compared by the difference of
 * their means with a 95 % interval of half-width √(h₁² + h₂²) from the two points' own 95 % half-widths (conservative:
 * copies are common random numbers across the grid, so the paired interval would be narrower). "up": the interval
 * lies above 0; "down": below; otherwise unresolved. The claim "alignment increases monotonically with decay strength"
 * holds at σ when no step is "down".
 */
type CosineKey = 'cosine' | 'windowCosine';
type Cos = { mean: number | null; ci: [number, number] | null };
export function monotonicity(points: { sigma: number; gamma: number; checkpoints: { layers: Partial<Record<CosineKey, Cos>>[] }[] }[], key: CosineKey = 'cosine') {
  const sigmas = [...new Set(points.map((p) => p.sigma))];
  return sigmas.map((sigma) => {
    const row = points.filter((p) => p.sigma === sigma).sort((a, b) => a.gamma - b.gamma);
    const steps: MonotoneStep[] = [];
    for (let i = 1; i < row.length; i++) {
      const a = row[i - 1]!.checkpoints.at(-1)!.layers[0]![key]!, b = row[i]!.checkpoints.at(-1)!.layers[0]![key]!;
      if (a.mean === null || b.mean === null || !a.ci || !b.ci) {
        steps.push({ from: row[i - 1]!.gamma, to: row[i]!.gamma, delta: null, lo: null, hi: null, verdict: 'unresolved' });
        continue;
      }
      const d = b.mean - a.mean, h = Math.hypot((a.ci[1] - a.ci[0]) / 2, (b.ci[1] - b.ci[0]) / 2);
      steps.push({ from: row[i - 1]!.gamma, to: row[i]!.gamma, delta: d, lo: d - h, hi: d + h, verdict: d - h > 0 ? 'up' : d + h < 0 ? 'down' : 'unresolved' });
    }
    const down = steps.filter((x) => x.verdict === 'down');
    const up = steps.filter((x) => x.verdict === 'up');
    const holds = down.length === 0;
    const range = (xs: MonotoneStep[]) => xs.map((x) => `${x.from} → ${x.to}`).join(', ');
    const text = steps.length === 0 ? 'one γ only'
      : holds ? `holds: no decrease resolved (${up.length} of ${steps.length} steps increase significantly${up.length < steps.length ? `; unresolved: ${range(steps.filter((x) => x.verdict === 'unresolved'))}` : ''})`
        : `fails: the cosine decreases for γ ${range(down)}${up.length ? `; increases for γ ${range(up)}` : ''}`;
    return { sigma, holds, text, steps };
  });
}


export function hebbianFiles(r: HebbianExperimentResult) {
  const s = r.experiment.scenario;
  const hp = hebbianParams(s);
  const points = summarizeHebbian(r.result.accumulator);
  const linear = hp.theory;
  const tp = (sigma: number, gamma: number): LinearTheoryParams => ({
    D: s.inputDim, Dout: s.outputDim, B: s.batchSize, eta: s.learningRate, gamma, labelNoise: s.teacher.labelNoise, teacherNorm2: hp.teacherNorm2,
    ...noiseLevels(s.noise, sigma),
  });
  const sigmaName = NOISE_LABEL[s.noise];
  // With one output the per-step S = −e·h_aᵀ and H = out·h_aᵀ of the (last) layer are parallel: the per-step cosine is
  // ±1 and its mean a sign frequency. The report then measures the alignment by the window-summed cosine cos(ΣS, ΣH)
  // over sumWindow steps (MODEL-NOTES §3), everywhere it shows "the alignment".
  const cosKey: CosineKey = s.outputDim === 1 ? 'windowCosine' : 'cosine';
  const cosName = cosKey === 'windowCosine'
    ? `window-summed cosine cos(ΣS, ΣH) over ${s.sumWindow} steps (one output: the per-step cosine is ±1)` : 'mean per-step cosine';
  /** Exact theory at checkpoint k: the mean of E⟨S, H⟩ over its window of steps. */
  const theoryAt = (sigma: number, gamma: number) => {
    const path = innerProductPath(tp(sigma, gamma), s.initScale * s.initScale * s.outputDim, s.steps);
    return (k: number) => {
      let t = 0;
      for (let n = k - s.window; n < k; n++) t += path[n]! / s.window;
      return t;
    };
  };
  const comparisons: Comparison[] = [];
  const theoryRows: (string | number)[][] = [];
  const perPoint = points.map((p) => {
    const th = linear ? theoryAt(p.sigma, p.gamma) : null;
    const fin = p.checkpoints.at(-1)!;
    const m = fin.layers[0]!.innerProduct;
    const sem = m.sd !== null ? m.sd / Math.sqrt(m.n) : null;
    const exact = th ? th(fin.step) : null;
    const stat = linear ? stationaryInnerProduct(tp(p.sigma, p.gamma)) : null;
    const small = linear ? smallEtaInnerProduct(tp(p.sigma, p.gamma)) : null;
    const measuredSign = m.ci ? (m.ci[0] > 0 ? 1 : m.ci[1] < 0 ? -1 : 0) : 0;
    if (linear && exact !== null && sem !== null && m.mean !== null) {
      // 99.9 % Student t over the n copies (the per-point interval's own law: t = 3.63 at the shipped 32 copies)
      const t = tQuantile(GRID_VERDICT_LEVEL, m.n - 1);
      const iv: [number, number] = [m.mean - t * sem, m.mean + t * sem];
      const inside = exact >= iv[0] && exact <= iv[1];
      // judge: the project's rule for every verdict (fewer than 30 copies, or a zero-width interval: no verdict)
      const row = judge({
        quantity: `E⟨S, H⟩ at step ${fin.step}, σ = ${p.sigma}, γ = ${p.gamma}`, empirical: m.mean, interval: iv, theory: exact,
        question: 'E⟨S, H⟩ against the exact moment recursion (99.9 % Student-t intervals)',
        verdict: inside ? 'agrees' : 'disagrees',
        note: `exact moment recursion of the discrete SGD (theory.ts ${s.noise === 'parameter' ? '(B)' : '(D)'}), window of ${s.window} steps; interval ±${num(t, 3)} SE (Student t, ${m.n - 1} degrees of freedom) ` +
          `(99.9 %); stationary ${num(stat, 4)}, η → 0 limit ${num(small, 4)}; measured sign ${measuredSign > 0 ? '+' : measuredSign < 0 ? '−' : '0 (interval covers 0)'}, ` +
          `predicted ${exact > 0 ? '+' : '−'}`,
        n: m.n,
      });
      comparisons.push(row);
      theoryRows.push([p.sigma, p.gamma, fin.step, num(m.mean), num(m.ci?.[0]), num(m.ci?.[1]), num(exact), num(stat), num(small),
        num(fin.measuredMinusConditional.mean), row.verdict,
        measuredSign === 0 ? '0' : measuredSign > 0 ? '+' : '−', exact > 0 ? '+' : '−']);
    }
    return { ...p, theory: linear ? { exactAtCheckpoints: p.checkpoints.map((c) => th!(c.step)), stationary: stat, smallEta: small } : null };
  });
  // predicted boundary γ(σ) over the σ range of the grid
  const sMin = Math.min(...s.sigmas), sMax = Math.max(...s.sigmas);
  const gMin = Math.min(...s.gammas.filter((g) => g > 0), 1e-3), gMax = Math.max(...s.gammas);
  const boundary: { sigma: number; gamma: number; series: string; branch: number }[] = [];
  if (linear && sMax > 0) {
    for (let i = 0; i <= 120; i++) {
      const sigma = Math.max(sMin, sMax / 1000) + ((sMax - Math.max(sMin, sMax / 1000)) * i) / 120;
      const base = { D: s.inputDim, Dout: s.outputDim, B: s.batchSize, eta: s.learningRate, labelNoise: s.teacher.labelNoise, teacherNorm2: hp.teacherNorm2, ...noiseLevels(s.noise, sigma) };
      phaseBoundary(base, 'small-eta', [gMin / 2, gMax * 2]).forEach((gamma, b) => boundary.push({ sigma, gamma, series: 'boundary, η → 0', branch: b }));
      phaseBoundary(base, 'exact', [gMin / 2, gMax * 2]).forEach((gamma, b) => boundary.push({ sigma, gamma, series: `boundary, η = ${s.learningRate}`, branch: b }));
    }
  }
  const monotone = monotonicity(perPoint, cosKey);
  const summary = {
    name: r.experiment.name, description: r.experiment.description, model: 'hebbian', scenario: s,
    engine: { name: r.engine.name, runtime: r.engine.runtime, adapter: r.engine.adapter ?? null, precision: r.engine.precision, reason: r.engineReason, details: r.engine.details ?? null },
    teacherNorm2: linear ? hp.teacherNorm2 : null,
    noise: s.noise,
    alignmentMeasure: cosKey,
    points: perPoint, comparisons, boundary, monotonicity: monotone,
    timing: { wallSeconds: r.wallSeconds, engineSeconds: r.result.timing.seconds, copySteps: r.result.timing.copySteps, copyStepsPerSecond: r.result.timing.copyStepsPerSecond },
    provenance: r.provenance,
  };
  // The CSV tables, plot specs and report parts: built when first read (the report, the page), not for a summary alone.
  return withReport(summary, () => {
    const csv: { name: string; text: string }[] = [];

    const cols = ['sigma', 'gamma', 'step', 'layer', 'inner', 'inner_lo', 'inner_hi', 'cos', 'cos_lo', 'cos_hi', 'window_cos', 'window_cos_lo', 'window_cos_hi',
      'window_cos_steps', 'frac_pos', 'frac_lo', 'frac_hi', 'loss', 'cond_theory', 'exact_theory'];
    const rows: (string | number)[][] = [];
    for (const p of perPoint) {
      p.checkpoints.forEach((c, ci) => c.layers.forEach((l, li) => rows.push([
        p.sigma, p.gamma, c.step, li + 1, num(l.innerProduct.mean), num(l.innerProduct.ci?.[0]), num(l.innerProduct.ci?.[1]),
        num(l.cosine.mean), num(l.cosine.ci?.[0]), num(l.cosine.ci?.[1]),
        num(l.windowCosine.mean), num(l.windowCosine.ci?.[0]), num(l.windowCosine.ci?.[1]), s.sumWindow, num(l.fractionPositive.p), num(l.fractionPositive.ci?.[0]), num(l.fractionPositive.ci?.[1]),
        num(c.loss.mean), linear ? num(c.conditionalTheory.mean) : '', p.theory ? num(p.theory.exactAtCheckpoints[ci]) : '',
      ])));
    }
    csv.push({ name: 'alignment.csv', text: toCsv(cols, rows) });

    // alignment against time (layer 1; layer 2 dashed for the tanh student). At most five series: the page's panel (≈ 400 × 344 px) lists the legend in one column below the plot. Larger grids
    // show their four corners (smallest and largest σ and γ) and the centre.
    const ends = (v: number[]) => { const u = [...new Set(v)].sort((a, b) => a - b); return { lo: u[0]!, mid: u[Math.floor((u.length - 1) / 2)]!, hi: u.at(-1)! }; };
    const es = ends(s.sigmas), eg = ends(s.gammas);
    const wanted = [[es.lo, eg.lo], [es.lo, eg.hi], [es.hi, eg.lo], [es.hi, eg.hi], [es.mid, eg.mid]];
    const shown = perPoint.length <= 5 ? perPoint : perPoint.filter((p) => wanted.some(([a, b]) => p.sigma === a && p.gamma === b));
    const label = (p: { sigma: number; gamma: number }) => `σ ${p.sigma}, γ ${p.gamma}`;
    const timeRows: TimeRow[] = shown.flatMap((p) => p.checkpoints.flatMap((c) => c.layers.map((l, li) => ({
      step: c.step, value: l[cosKey].mean, lo: l[cosKey].ci?.[0] ?? null, hi: l[cosKey].ci?.[1] ?? null, series: label(p), layer: `layer ${li + 1}`,
    }))));
    const domain = shown.map(label);
    const subsetNote = shown.length < perPoint.length ? `; ${shown.length} of ${perPoint.length} grid points` : '';
    const subsetCaption = shown.length < perPoint.length ? ` ${shown.length} of the ${perPoint.length} grid points are shown: the four corners of the grid (smallest and largest σ and γ) and its centre.` : '';
    /** The alignment measure in a few words (subtitles; the captions and the parameters table say it in full). */
    const cosShort = cosKey === 'windowCosine' ? `window-summed cosine (${s.sumWindow} steps)` : 'mean per-step cosine';
    const timeSpec = alignmentTimeSpec({
      rows: timeRows, domain, checkpoints: s.checkpoints, steps: s.steps,
      title: 'Alignment with the Hebbian direction',
      subtitle: `S the learning signal, H the Hebbian direction; ${cosShort}, mean over ${s.trajectories} copies, 95% intervals` + subsetNote + (s.layers.length > 1 ? '; layer 1 solid, layer 2 dashed' : ''),
    });
    const jobs: { name: string; title: string; caption: string; spec: object }[] = [
      { name: 'alignment-vs-time', title: 'Alignment against time', caption: `Alignment of each layer\'s learning signal (weight decay excluded) with its Hebbian direction h_b h_aᵀ: ${cosName}, with 95% intervals across copies; σ is the ${sigmaName}.${subsetCaption}`, spec: timeSpec },
    ];
    if (linear) {
      // the measured window mean of ⟨S, H⟩ per checkpoint against the exact closed form's window mean at every step
      const measured: TimeRow[] = shown.flatMap((p) => p.checkpoints.map((c) => {
        const m = c.layers[0]!.innerProduct;
        return { step: c.step, value: m.mean, lo: m.ci?.[0] ?? null, hi: m.ci?.[1] ?? null, series: label(p), layer: 'layer 1' };
      }));
      // from the step axis' first step (the first checkpoint; the first full window with one checkpoint), ~200 points
      const first = s.checkpoints.length > 1 ? s.checkpoints[0]! : s.window;
      const every = Math.max(1, Math.floor((s.steps - first) / 200));
      const theory = shown.flatMap((p) => {
        const th = theoryAt(p.sigma, p.gamma), out: { step: number; value: number; series: string }[] = [];
        for (let k = first; k <= s.steps; k += every) out.push({ step: k, value: th(k), series: label(p) });
        if (out.at(-1)?.step !== s.steps) out.push({ step: s.steps, value: th(s.steps), series: label(p) });
        return out;
      });
      jobs.push({
        name: 'inner-product-vs-time', title: 'Measured ⟨signal, Hebbian⟩ against the closed form',
        caption: `Linear student: the window mean (${s.window} steps) of ⟨S, H⟩ over ${s.trajectories} copies per grid point with 95% intervals (points), and the exact ` +
          `moment recursion of the discrete SGD (theory.ts ${s.noise === 'parameter' ? '(B)' : '(D)'}) averaged over the same window at every step (dashed, drawn on top); σ is the ${sigmaName}.${subsetCaption}`,
        spec: innerProductTimeSpec({
          measured, theory, domain, checkpoints: s.checkpoints, steps: s.steps,
          title: '⟨signal, Hebbian⟩: measured and closed form',
          subtitle: [`S the learning signal, H the Hebbian direction; points: mean over ${s.trajectories} copies, 95% intervals; dashed, on top: exact closed form` + subsetNote],
        }),
      });
    }
    if (s.sigmas.length > 1 && s.gammas.length > 1) {
      const cells: PhaseCell[] = perPoint.map((p) => {
        const l = p.checkpoints.at(-1)!.layers[0]!;
        const v = l[cosKey].mean;
        // two decimals, a typographic minus: every label of the grid the same width
        const text = v === null || !Number.isFinite(v) ? '' : Math.abs(v) < 0.005 ? '0.00' : `${v < 0 ? '−' : ''}${Math.abs(v).toFixed(2)}`;
        return { sigma: p.sigma, gamma: p.gamma, cos: v, label: text };
      });
      // the boundary sampled evenly in the diagram's cell coordinates, every root γ over a wide range (near its tip the
      // curve is vertical: a fine σ step keeps its polyline smooth)
      const PER_CELL = 96;
      const plotBoundary: { series: string; points: { sigma: number; roots: number[] }[] }[] = [];
      if (linear) {
        const gs = gridCoordinate(s.sigmas, false), gPos = s.gammas.filter((g) => g > 0);
        const range: [number, number] = [Math.min(...gPos, 1e-3) / 100, Math.max(...gPos, 1e-3) * 100];
        const modes = (s.noise === 'parameter' ? ['small-eta', 'exact'] : ['exact']) as ('small-eta' | 'exact')[];
        for (const mode of modes) {
          const points: { sigma: number; roots: number[] }[] = [];
          for (let k = 0; k <= PER_CELL * gs.values.length; k++) {
            const sigma = gs.from(-0.5 + k / PER_CELL);
            if (!(sigma > 0)) continue;
            const base = { D: s.inputDim, Dout: s.outputDim, B: s.batchSize, eta: s.learningRate, labelNoise: s.teacher.labelNoise, teacherNorm2: hp.teacherNorm2, ...noiseLevels(s.noise, sigma) };
            points.push({ sigma, roots: phaseBoundary(base, mode, range) });
          }
          plotBoundary.push({ series: mode === 'small-eta' ? 'boundary, η → 0' : `boundary, η = ${s.learningRate}`, points });
        }
      }
      const phaseSpec = phaseDiagramSpec({
        cells, sigmas: s.sigmas, gammas: s.gammas, sigmaTitle: sigmaName, boundary: plotBoundary,
        title: 'Phase diagram: measured alignment and the predicted boundary',
        subtitle: [`final ${cosShort}, ${s.trajectories} copies per cell, step ${s.steps}; blue Hebbian, red anti-Hebbian`,
          linear ? `on top: predicted sign change of E⟨signal, Hebbian⟩ (${s.noise === 'parameter' ? 'dotted η\u00a0→\u00a00, dashed exact η' : 'dashed, exact η'})` : 'no closed-form boundary for this student/teacher'],
      });
      jobs.push({ name: 'phase-diagram', title: `Phase diagram (${sigmaName})`, caption: `Noise source: ${sigmaName}. ` + 'Measured final alignment per (σ, γ) grid point (colour and number; one equal cell per grid point, so the axes are not to scale) with the predicted Hebbian/anti-Hebbian boundary γ(σ) of the linear student drawn on top, placed between grid values by interpolation (γ in log): dotted the η → 0 roots of γ/(1+γ)² = D_out σ² D/‖W*‖², dashed the exact-η stationary value\'s zeros.', spec: phaseSpec });
    }
    const flags = perPoint.reduce((a, p) => a | p.flags, 0);
    const report: ReportParts = {
      title: `stdp-mc — ${r.experiment.name}`, description: r.experiment.description,
      parameters: {
        model: 'Koplow, Poggio & Ziyin (arXiv 2505.18069): Hebbian alignment of regularised learners',
        student: s.student.kind === 'linear' ? `linear ${s.outputDim} × ${s.inputDim}` : `tanh2 ${s.inputDim} → ${s.student.hidden} → ${s.outputDim}`,
        teacher: `${s.teacher.kind}${s.teacher.kind === 'tanh2' ? ` (hidden ${s.teacher.hidden})` : ''}, scale ${s.teacher.scale}, label noise ${s.teacher.labelNoise}` + (linear ? `, ‖W*‖² = ${num(hp.teacherNorm2, 4)}` : ''),
        rule: s.rule, 'learning rate η': s.learningRate, 'batch B': s.batchSize, steps: s.steps, window: s.window,
        'alignment measure': cosName,
        'noise source': sigmaName, 'σ grid': s.sigmas.join(', '), 'γ grid': s.gammas.join(', '), 'copies per point': s.trajectories, seed: String(s.seed),
        engine: engineLine(r), faults: flags ? hebbianFlagNames(flags).join(', ') : 'none',
      },
      comparisons: comparisons.map((c) => ({ quantity: c.quantity, empirical: `${num(c.empirical)} [${num(c.interval?.[0])}, ${num(c.interval?.[1])}]`, theory: num(c.theory), verdict: c.verdict, note: c.note })),
      tables: [...(linear ? [{
        title: 'Linear student: measured ⟨signal, Hebbian⟩ at the last checkpoint against the closed forms',
        columns: ['σ', 'γ', 'step', 'measured', '95% lo', '95% hi', 'exact (discrete η)', 'stationary', 'η → 0', 'measured − E[·|v]', 'verdict (99.9%)', 'measured sign', 'predicted sign'],
        rows: theoryRows,
      }] : []), ...(s.gammas.length > 1 ? [{
        title: `Does the alignment increase monotonically with decay strength γ? Per ${sigmaName}: final ${cosName} (layer 1) at consecutive γ, ` +
          'difference with a conservative 95 % interval (the two points\' half-widths in quadrature); "up"/"down" when the interval excludes 0',
        columns: ['σ', 'γ from', 'γ to', 'Δ cos', '95% lo', '95% hi', 'verdict', 'claim at this σ'],
        rows: monotone.flatMap((m) => m.steps.map((x, i) => [m.sigma, x.from, x.to, num(x.delta, 3), num(x.lo, 3), num(x.hi, 3), x.verdict, i === 0 ? m.text : ''])),
      }] : [])],
      provenance: reportProvenance(r),
    };
    return { csv, plots: jobs, report };
  });
}

export type HebbianSummary = ReturnType<typeof hebbianFiles>['summary'];
