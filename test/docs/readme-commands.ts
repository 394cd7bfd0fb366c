/**
 * The commands a Markdown file shows, and what test/docs/readme-commands.test.ts does with each.
 *
 * Commands come from fenced code blocks whose info string is sh, bash, shell or console (other blocks, such as the
 * command line's synopsis in a `text` block, are not commands). In sh/bash/shell blocks every line is a command
 * except blank lines and comments; a trailing backslash continues a line, a heredoc (`<<'EOF'` … `EOF`) belongs to
 * its command, and a `#` outside quotes after whitespace starts a comment. In console blocks only lines after a
 * `$ ` prompt are commands (the rest is output). A command line is split at `&&`, `||` and `;` outside quotes, so
 * `npm install && npm start` is two commands, each treated on its own.
 */

export interface ShownCommand {
  /** The simple command, trimmed, comments removed (a heredoc's body kept). */
  command: string;
  /** 1-based line of the Markdown file where its command line starts. */
  line: number;
  /** Index of its code block among the file's sh/bash/shell/console blocks (0-based). */
  block: number;
}

export type Treatment =
  | { kind: 'run' }
  | { kind: 'instead'; command: string; reason: string }
  | { kind: 'except'; reason: string };

const SHELL_BLOCKS = new Set(['sh', 'bash', 'shell', 'console']);

/** Every command in the file's sh/bash/shell/console blocks, in order. */
export function extractCommands(markdown: string): ShownCommand[] {
  const lines = markdown.split('\n');
  const out: ShownCommand[] = [];
  let blocks = 0;
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const lang = open[2]!.toLowerCase();
    const body: { text: string; line: number }[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const t = lines[j]!.trim();
      if (t.startsWith(fence[0]!.repeat(fence.length)) && /^(`{3,}|~{3,})\s*$/.test(t)) break;
      body.push({ text: lines[j]!, line: j + 1 });
    }
    if (j >= lines.length) throw new Error(`line ${i + 1}: code block not closed`);
    i = j;
    if (SHELL_BLOCKS.has(lang)) {
      const block = blocks++;
      out.push(...blockCommands(body, lang === 'console').map((c) => ({ ...c, block })));
    }
  }
  return out;
}

function blockCommands(body: { text: string; line: number }[], console: boolean): Omit<ShownCommand, 'block'>[] {
  const out: Omit<ShownCommand, 'block'>[] = [];
  for (let k = 0; k < body.length; k++) {
    let text = body[k]!.text;
    const line = body[k]!.line;
    if (console) {
      const m = /^\s*\$\s+(.*)$/.exec(text);
      if (!m) continue;
      text = m[1]!;
    }
    if (/^\s*(#|$)/.test(text)) continue;
    let command = stripComment(text);
    // A trailing backslash continues the command on the next line (a console block's next line carries no prompt,
    // or a `> ` one).
    while (/\\\s*$/.test(command) && k + 1 < body.length) {
      k++;
      command = command.replace(/\s*\\\s*$/, ' ') + stripComment(body[k]!.text.replace(/^\s*>\s/, '')).trim();
    }
    const heredoc = /<<-?\s*(['"]?)(\w+)\1/.exec(command);
    if (heredoc) {
      const end = heredoc[2]!;
      const docLines: string[] = [];
      for (k++; k < body.length && body[k]!.text.trim() !== end; k++) docLines.push(body[k]!.text);
      if (k >= body.length) throw new Error(`line ${line}: heredoc ${end} not closed`);
      out.push({ command: `${command.trim()}\n${docLines.join('\n')}\n${end}`, line });
      continue;
    }
    for (const simple of splitList(command)) out.push({ command: simple, line });
  }
  return out;
}

/** The line up to a `#` that starts a comment (outside quotes, at the start or after whitespace). */
export function stripComment(text: string): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return text.slice(0, i).trimEnd();
  }
  return text.trimEnd();
}

/** A command line split at `&&`, `||` and `;` outside quotes, each part trimmed, empty parts dropped. */
export function splitList(text: string): string[] {
  const parts: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === ';' || ((c === '&' || c === '|') && text[i + 1] === c)) {
      parts.push(text.slice(start, i));
      if (c !== ';') i++;
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * What the test does with each kind of command. The first rule whose pattern matches the whole (trimmed) command
 * applies; a command no rule matches fails the test, so a new kind of command in the README must be added here,
 * with a reason when it is not run.
 */
export const RULES: { pattern: RegExp; treatment: Treatment }[] = [
  // Run as written, in the clone, in README order.
  { pattern: /^npm start$/, treatment: { kind: 'run' } },
  { pattern: /^npm run build:app$/, treatment: { kind: 'run' } },
  { pattern: /^npx stdp-mc\s/, treatment: { kind: 'run' } },
  { pattern: /^npx deno task (start|run|merge|report|stdp-mc)(\s|$)/, treatment: { kind: 'run' } },
  { pattern: /^npx deno run -A src\/cli\/main\.ts\s/, treatment: { kind: 'run' } },
  // Exceptions, each with its reason.
  {
    pattern: /^npm (install|ci)$/,
    treatment: {
      kind: 'except',
      reason: 'installs the dependencies: CI\'s `npm ci` (.ci/run) has just done so, and the clone shares the ' +
        'checkout\'s node_modules, which an install there would rewrite',
    },
  },
  {
    pattern: /^npm test$/,
    treatment: { kind: 'except', reason: 'the whole suite, this test included: .ci/run runs it' },
  },
  {
    pattern: /^npm run (app|serve:app)$/,
    treatment: {
      kind: 'instead',
      command: 'npm run build:app',
      reason: 'serves the page and opens a browser: only its build runs here (test/app/page.test.ts serves the ' +
        'page and drives it in Chromium)',
    },
  },
  {
    pattern: /^scripts\/slurm\//,
    treatment: {
      kind: 'except',
      reason: 'a Slurm cluster recipe: test/cli/slurm.test.ts runs it on a one-node Slurm cluster',
    },
  },
  {
    pattern: /^(scripts\/k8s\/|kubectl\s)/,
    treatment: {
      kind: 'except',
      reason: 'a Kubernetes recipe: test/cli/slurm.test.ts fills its templates and runs the pods\' and the merge\'s ' +
        'commands on the machine; no cluster runs in CI',
    },
  },
];

/** The treatment of a command, or null when no rule knows it. */
export function treatmentOf(command: string): Treatment | null {
  const c = command.trim();
  for (const r of RULES) if (r.pattern.test(c)) return r.treatment;
  return null;
}

/** GitHub's anchor for a heading's text (lower case, punctuation dropped, spaces to hyphens). */
export function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}
