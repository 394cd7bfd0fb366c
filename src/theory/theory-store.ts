/**
 * A store that keeps the results of the expensive deterministic theory solves (the d = 3 backward equation: about
 * 0.5–0.8 s of CPU per start point) between processes. The theory modules run in the browser too, so they read and
 * write through this interface only; a host with a file system installs a store (the CLI: src/cli/theory-store.ts).
 * Keys name the solve and all its inputs; the store itself adds the version of the code that computes it.
 */
export interface TheoryStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

let store: TheoryStore | null = null;

/** Install (or, with null, remove) the store the solvers consult. */
export function setTheoryStore(s: TheoryStore | null): void {
  store = s;
}

/** The stored value of `key`, else `compute()` (then stored). A stored value that `valid` refuses is recomputed. */
export function storedTheory<T>(key: string, compute: () => T, valid: (v: unknown) => v is T): T {
  if (store) {
    let hit: unknown;
    try {
      hit = store.get(key);
    } catch {
      hit = undefined;
    }
    if (hit !== undefined && valid(hit)) return hit;
  }
  const v = compute();
  try {
    store?.set(key, v);
  } catch {
    /* a store that cannot write (read-only or full disk) only costs the next process the solve */
  }
  return v;
}
