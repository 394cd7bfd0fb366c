/**
 * The numbers of a zero-order run: per (d, n) grid point and checkpoint the RMS and mean of ‖Zⁿ_t − Z_t‖ and of
 * sup_{s≤t} ‖Zⁿ_s − Z_s‖ with 95 % intervals, the mean ‖∇L(Zⁿ_t)‖ and L(Zⁿ_t) beside the flow's, the closed forms
 * where they exist (H = I quadratic: the exact mean square and MODEL-NOTES' leading order, theory.ts), the bias at
 * the end; and the pooled slopes (fit.ts):
 *   convergence.slopeInN — ln RMS sup-error at the end against ln n, one intercept per d (the theorem's quantity);
 *   convergence.slopeInD — ln(√n · RMS terminal error) against ln d, one intercept per n (the √(d/n) rate's d, and
 *                          the quantity MODEL-NOTES' H = I formula describes);
 * the other two pairings under convergence.sup and convergence.terminal, and for the H = I quadratic the slopes the
 * exact mean square gives on the same design (convergence.expected: not exactly ∓½ at small d or n).
 */
import { meanBias, exactMeanSquare, leadingOrderRms, type ExactSetting } from './theory.ts';
import { pooledSlope, type SlopeFit } from './fit.ts';
import { gradNormAndLoss } from './loss.ts';
import { zeroOrderPoint } from './point.ts';
import type { ResolvedZeroOrderScenario } from './scenario.ts';
import { biasOf, summarizeCheckpoint, zeroOrderFlagNames, type ZeroOrderAcc } from './stats.ts';

export type Slope = Pick<SlopeFit, 'value' | 'ci95' | 'se' | 'birge' | 'points' | 'groups'>;

/** Is the loss the H = I quadratic (where theory.ts's closed forms hold)? */
export function identityQuadratic(s: ResolvedZeroOrderScenario): boolean {
  return s.loss.kind === 'quadratic' && (s.loss.hessian === 'identity' || (s.loss.hessian.min === 1 && s.loss.hessian.max === 1));
}

export function exactSetting(s: ResolvedZeroOrderScenario, d: number, n: number): ExactSetting {
  return { estimator: s.estimator, clock: s.clock, d, n, rate: s.rate, A: s.A, alpha: s.alpha, distance: s.loss.kind === 'quadratic' ? s.loss.distance : 1 };
}

export function summarizePoints(s: ResolvedZeroOrderScenario, accs: ZeroOrderAcc[]) {
  const closed = identityQuadratic(s);
  return s.grid.map((g, i) => {
    const a = accs[i]!, p = zeroOrderPoint(s, i), x = exactSetting(s, g.d, g.n);
    const scratch = new Float64Array(Math.max(1, p.loss.net.h)), dz = new Float64Array(Math.max(1, p.loss.net.h));
    const checkpoints = a.checkpoints.map((c, ci) => {
      const [fg, fl] = gradNormAndLoss(p.loss, p.flowCk.subarray(ci * g.d, (ci + 1) * g.d), p.ckSample[ci]!, scratch, dz);
      return {
        ...summarizeCheckpoint(c), flowGradNorm: fg, flowLoss: fl,
        exactRms: closed ? Math.sqrt(Math.max(0, exactMeanSquare(x, c.t))) : null,
        leadingOrderRms: closed ? leadingOrderRms(x, c.t) : null,
      };
    });
    const fin = checkpoints.at(-1)!;
    const bias = biasOf(a);
    return {
      d: g.d, n: g.n, hidden: g.hidden, copies: fin.rmsError.value === null ? 0 : a.checkpoints.at(-1)!.err2.n,
      checkpoints,
      terminal: {
        rmsError: fin.rmsError, rmsSup: fin.rmsSup,
        sqrtNRmsError: fin.rmsError.value === null ? null : Math.sqrt(g.n) * fin.rmsError.value,
        sqrtNRmsSup: fin.rmsSup.value === null ? null : Math.sqrt(g.n) * fin.rmsSup.value,
        exactRms: fin.exactRms, leadingOrderRms: fin.leadingOrderRms,
      },
      bias: { ...bias, theory: p.loss.kind === 'quadratic' ? meanBias(p.loss.hdiag, p.theta0, s.kappa, g.n, s.totalTime, s.clock) : null },
      flags: a.flags, flaggedCopies: a.flaggedCopies, faults: zeroOrderFlagNames(a.flags),
    };
  });
}

export type PointSummary = ReturnType<typeof summarizePoints>[number];

const slopeOf = (f: SlopeFit | null): Slope | null => (f ? { value: f.value, ci95: f.ci95, se: f.se, birge: f.birge, points: f.points, groups: f.groups } : null);

/** The four pooled fits (sup/terminal × n/d) and, for the H = I quadratic, the exact theory's slopes on this design. */
export function convergenceOf(s: ResolvedZeroOrderScenario, points: PointSummary[]) {
  const obs = (which: 'rmsSup' | 'rmsError', by: 'n' | 'd', value?: (p: PointSummary) => number | null) => points.map((p) => {
    const r = p.terminal[which];
    const v = value ? value(p) : r.value;
    return { x: Math.log(by === 'n' ? p.n : p.d), y: v === null || !(v > 0) ? NaN : Math.log(v), se: r.logSE ?? NaN, group: by === 'n' ? `d = ${p.d}` : `n = ${p.n}` };
  });
  const fits = {
    supN: pooledSlope(obs('rmsSup', 'n')), supD: pooledSlope(obs('rmsSup', 'd')),
    termN: pooledSlope(obs('rmsError', 'n')), termD: pooledSlope(obs('rmsError', 'd')),
  };
  const closed = identityQuadratic(s);
  const exact = (by: 'n' | 'd') => (closed ? pooledSlope(obs('rmsError', by, (p) => p.terminal.exactRms))?.value ?? null : null);
  return {
    quantity: {
      slopeInN: 'ln RMS of sup_{t≤T} ‖Zⁿ_t − Z_t‖ against ln n, one intercept per d (stated: −½)',
      slopeInD: 'ln RMS of ‖Zⁿ_T − Z_T‖ against ln d, one intercept per n (stated: ½)',
    },
    slopeInN: slopeOf(fits.supN),
    slopeInD: slopeOf(fits.termD),
    sup: { slopeInN: slopeOf(fits.supN), slopeInD: slopeOf(fits.supD) },
    terminal: { slopeInN: slopeOf(fits.termN), slopeInD: slopeOf(fits.termD) },
    expected: closed ? { terminalSlopeInN: exact('n'), terminalSlopeInD: exact('d') } : null,
    intercepts: {
      supInN: fits.supN?.intercepts ?? {}, terminalInD: fits.termD?.intercepts ?? {},
    },
  };
}

export type Convergence = ReturnType<typeof convergenceOf>;
