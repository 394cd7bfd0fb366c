/**
 * Deep comparison of two results for tests that allow rounding: integers (counts, steps, flags) must be equal,
 * other numbers within `rel` of the larger magnitude of the two (or of `floor`, where values near 0 may differ by an
 * absolute rel × floor), NaN equals NaN; objects must have the same keys; anything else must be toEqual.
 */
import { expect } from 'vitest';

export interface CloseOptions {
  /** Relative tolerance (default 1e-12). */
  rel?: number;
  /** Smallest scale the tolerance is relative to (default 0: purely relative). */
  floor?: number;
}

export function expectClose(a: unknown, b: unknown, o: CloseOptions = {}, path = ''): void {
  const { rel = 1e-12, floor = 0 } = o;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Object.is(a, b)) return;
    if (Number.isInteger(a) && Number.isInteger(b)) expect(b, path).toBe(a);
    else expect(Math.abs(a - b), `${path}: ${a} vs ${b}`).toBeLessThanOrEqual(rel * Math.max(floor, Math.abs(a), Math.abs(b)));
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(b).sort(), path).toEqual(Object.keys(a).sort());
    for (const k of Object.keys(a)) expectClose((a as any)[k], (b as any)[k], o, `${path}.${k}`);
  } else {
    expect(b, path).toEqual(a);
  }
}
