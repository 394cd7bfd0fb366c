/**
 * Theory solves kept between processes (src/theory/theory-store.ts, src/cli/theory-store.ts): a stored solve gives
 * the numbers of a fresh one bit for bit, a malformed stored value is recomputed, and the file store keeps NaN and
 * refuses an entry whose key is not the one asked for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fileTheoryStore } from '../../src/cli/theory-store.ts';
import { solveD3 } from '../../src/theory/diffusion-d3.ts';
import { setTheoryStore, storedTheory, type TheoryStore } from '../../src/theory/theory-store.ts';

function memoryStore(): TheoryStore & { map: Map<string, unknown>; gets: number } {
  const map = new Map<string, unknown>();
  return { map, gets: 0, get(k) { this.gets++; return map.get(k); }, set(k, v) { map.set(k, JSON.parse(JSON.stringify(v))); } };
}

afterEach(() => setTheoryStore(null));

describe('theory store', () => {
  it('computes once, then answers from the store; a malformed stored value is computed again', () => {
    const s = memoryStore();
    setTheoryStore(s);
    let calls = 0;
    const isNum = (v: unknown): v is number => typeof v === 'number';
    expect(storedTheory('k', () => { calls++; return 4.5; }, isNum)).toBe(4.5);
    expect(storedTheory('k', () => { calls++; return 9; }, isNum)).toBe(4.5);
    expect(calls).toBe(1);
    s.map.set('k', 'not a number');
    expect(storedTheory('k', () => { calls++; return 7; }, isNum)).toBe(7);
    expect(calls).toBe(2);
  });

  it('a d = 3 solve read back from a store in another process equals the fresh solve bit for bit', () => {
    const s = memoryStore();
    const noise = { law: 'uniform' as const, halfWidth: 1 };
    setTheoryStore(s);
    // A start point no other test solves, so this process's own memo does not answer first.
    const fresh = solveD3([0.4123, 0.2871], 0.05, noise);
    expect(s.map.size).toBe(1);
    const [key] = [...s.map.keys()];
    const stored = s.map.get(key!) as typeof fresh;
    expect(stored.vals).toEqual(fresh.vals);
    expect(stored.errs).toEqual(fresh.errs);
    expect(fresh.vals.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('the file store keeps NaN and ±Infinity, and an entry under another key is a miss', () => {
    const key = `test entry ${process.pid} ${Date.now()}`;
    fileTheoryStore.set(key, { a: NaN, b: [Infinity, -Infinity, 0.1] });
    expect(fileTheoryStore.get(key)).toEqual({ a: NaN, b: [Infinity, -Infinity, 0.1] });
    expect(fileTheoryStore.get(`${key} other`)).toBeUndefined();
  });
});
