/**
 * Globally adaptive Gauss–Kronrod quadrature (7-point Gauss embedded in the 15-point Kronrod rule, the QUADPACK
 * QAG pair), float64. The segment with the largest error estimate |K15 − G7| is bisected until the summed estimate
 * meets max(absTol, relTol·|I|) or `maxSegments` is reached. Used by the theory modules for the truncated-normal
 * noise moments and the d = 2 scale-function integrals; it is a numerical tool, not a model equation.
 */

const XGK = [
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
  0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0,
];
const WGK = [
  0.02293532201052922496373200805897, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
  0.140653259715525918745189590510238, 0.16900472663926790282658342659855, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
];
// 7-point Gauss weights for the nodes XGK[1], XGK[3], XGK[5], XGK[7].
const WG = [0.129484966168869693270611432679082, 0.27970539148927666790146777142378, 0.381830050505118944950369775488975, 0.417959183673469387755102040816327];

interface Segment { a: number; b: number; value: number; error: number }

/** One G7–K15 pass on [a, b]: the Kronrod value and |K15 − G7| as its error estimate. */
export function gaussKronrod15(f: (x: number) => number, a: number, b: number): { value: number; error: number } {
  const c = 0.5 * (a + b), hw = 0.5 * (b - a);
  const fc = f(c);
  let k = fc * WGK[7]!, g = fc * WG[3]!;
  for (let j = 0; j < 7; j++) {
    const dx = hw * XGK[j]!;
    const s = f(c - dx) + f(c + dx);
    k += WGK[j]! * s;
    if (j % 2 === 1) g += WG[(j - 1) / 2]! * s;
  }
  return { value: k * hw, error: Math.abs((k - g) * hw) };
}

/** ∫_a^b f by globally adaptive G7–K15 (finite a ≤ b). */
export function integrate(
  f: (x: number) => number, a: number, b: number,
  opts: { relTol?: number; absTol?: number; maxSegments?: number } = {},
): { value: number; error: number } {
  const relTol = opts.relTol ?? 1e-13, absTol = opts.absTol ?? 0, maxSegments = opts.maxSegments ?? 2000;
  if (b === a) return { value: 0, error: 0 };
  const first = gaussKronrod15(f, a, b);
  const segs: Segment[] = [{ a, b, ...first }];
  let value = first.value, error = first.error;
  while (error > Math.max(absTol, relTol * Math.abs(value)) && segs.length < maxSegments) {
    let iMax = 0;
    for (let i = 1; i < segs.length; i++) if (segs[i]!.error > segs[iMax]!.error) iMax = i;
    const s = segs[iMax]!;
    const m = 0.5 * (s.a + s.b);
    if (!(m > s.a && m < s.b)) break; // interval exhausted at float resolution
    const l = gaussKronrod15(f, s.a, m), r = gaussKronrod15(f, m, s.b);
    segs[iMax] = { a: s.a, b: m, ...l };
    segs.push({ a: m, b: s.b, ...r });
    // Re-sum instead of updating incrementally so cancellation errors do not accumulate.
    value = 0; error = 0;
    for (const t of segs) { value += t.value; error += t.error; }
  }
  return { value, error };
}
