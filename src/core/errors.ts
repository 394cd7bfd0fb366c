/**
 * Errors every model and the command line share: a scenario or experiment file that breaks a rule (each issue names
 * the field and the rule), and a command-line option that does not apply.
 */
import type { z } from 'zod';

export class ScenarioError extends Error {
  readonly issues: { path: string; message: string }[];
  constructor(issues: { path: string; message: string }[]) {
    super('Invalid scenario:\n' + issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n'));
    this.name = 'ScenarioError';
    this.issues = issues;
  }
}

export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  const parts = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  const s = (prefix + parts).replace(/^\./, '');
  return s || '(root)';
}

export function zodIssues(err: z.ZodError, prefix = ''): { path: string; message: string }[] {
  return err.issues.map((i) => {
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    return { path: formatPath(i.path, prefix), message };
  });
}

/** A command-line option that does not apply to this experiment (the CLI prints it with its usage). */
export class OptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionError';
  }
}
