/** Confidence intervals for binomial proportions. */

/** z_{1 − (1−level)/2} for the usual levels, without a quantile routine. */
export function zFor(level: number): number {
  if (Math.abs(level - 0.95) < 1e-12) return 1.959963984540054;
  if (Math.abs(level - 0.99) < 1e-12) return 2.5758293035489004;
  if (Math.abs(level - 0.9) < 1e-12) return 1.6448536269514722;
  throw new Error(`unsupported confidence level ${level}`);
}

/** Wilson score interval for k successes in n trials (Wilson 1927). */
export function wilson(k: number, n: number, level = 0.95): [number, number] {
  if (n === 0) return [0, 1];
  const z = zFor(level);
  const p = k / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
