/**
 * A seed as typed (the command line's --seed, the page's seed field, a URL's ?seed=): number-like text is a number,
 * so the file's rule (an integer ≥ 0) applies to it ("1e3" is 1000, "-3" is refused); anything else is a string seed;
 * empty is none. One rule, so that the page's run and the command line it shows use the same seed.
 */
export function seedFromText(text: string): number | string | undefined {
  return numberOrText(text);
}

/** Trimmed text as a number where it reads as one (isNumberText), else as it is; empty is none. */
export function numberOrText(text: string): number | string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  return isNumberText(t) ? Number(t) : t;
}

/** Does the (trimmed) text read as a decimal number: 20251, 2.5, −3, +5, 1e3 (not 0x10, not Infinity)? */
export function isNumberText(t: string): boolean {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t);
}
