import { ScenarioError } from '../../src/core/errors.ts';

/** The issues a validation throws (ScenarioError), or none; anything else is rethrown. */
export function issuesOf(f: () => unknown): { path: string; message: string }[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ScenarioError) return e.issues;
    throw e;
  }
  return [];
}
