/**
 * The command line's flag values, read and checked as the flags are parsed: each refusal is a UsageError on one line
 * naming the flag, the rule and the value given. Nothing here loads a model or an engine.
 */
import { seedFromText } from '../core/seed-text.ts';
import { ENGINE_CHOICES, type EngineChoice } from '../engines/index.ts';
import type { Shard } from '../run/model.ts';

/** A flag or argument the command line refuses (exit 2, with the usage hint). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function engineArg(v: string): EngineChoice {
  if (!(ENGINE_CHOICES as string[]).includes(v)) throw new UsageError(`--engine must be one of ${ENGINE_CHOICES.join(', ')}, got "${v}"`);
  return v as EngineChoice;
}

export function positiveIntArg(name: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) === 0) throw new UsageError(`--${name} must be a positive integer, got "${v}"`);
    return Number(v);
  };
}

export function positiveNumberArg(name: string): (v: string) => number {
  return (v) => {
    const x = Number(v);
    if (!/^\d+(\.\d*)?([eE][+-]?\d+)?$/.test(v) || !(x > 0) || !Number.isFinite(x)) {
      throw new UsageError(`--${name} must be a positive number, got "${v}"`);
    }
    return x;
  };
}

/** A number-like seed flag is a number, so the file's rules (an integer ≥ 0) apply to it; anything else is a string seed. */
export function seedArg(v: string): number | string {
  return seedFromText(v) ?? v;
}

export function shardArg(v: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m || Number(m[2]) < 1 || Number(m[1]) < 1 || Number(m[1]) > Number(m[2]) || !Number.isSafeInteger(Number(m[2]))) {
    throw new UsageError(`--shard must be i/n with 1 ≤ i ≤ n (e.g. 2/8), got "${v}"`);
  }
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** A folder flag (--out, --resume) or argument: not empty. */
export function folderArg(name: string): (v: string) => string {
  return (v) => {
    if (!v.trim()) throw new UsageError(`${name} must name a folder, got "${v}"`);
    return v;
  };
}
