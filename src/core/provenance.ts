/** Provenance recorded with every result: package version, git commit, runtime, time. */
export interface Provenance {
  version: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
  seed: number | string;
  seedKey: [number, number];
  createdAt: string;
  runtime: string;
  command?: string;
  /**
   * The command-line values that changed the experiment file (--trajectories, --steps, --seed, --duration), as the
   * state log holds them (a resume without them, a merge and a report keep the run's); absent where there are none.
   */
  overrides?: Record<string, unknown>;
}

/** The command-line values given (--trajectories, --steps, --seed, --duration), without the ones left out. */
export function givenValues(o: object | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined && v !== null));
}

/** Those values as flags: ["--trajectories 300", "--steps 50"]. */
export function overrideFlags(o: object | undefined): string[] {
  return Object.entries(givenValues(o)).map(([k, v]) => `--${k} ${String(v)}`);
}

/** `overrides` for a provenance: the values given, or nothing where none was. */
export function overridesField(o: object | undefined): { overrides?: Record<string, unknown> } {
  const given = givenValues(o);
  return Object.keys(given).length ? { overrides: given } : {};
}

/**
 * The commit and whether tracked files changed, from `git status --porcelain=v2 --branch --untracked-files=no`: the
 * header line "# branch.oid <sha>" ("(initial)" before the first commit: no commit), every line not starting with "#"
 * a changed tracked file.
 */
export function parseGitStatus(text: string): { gitCommit: string | null; gitDirty: boolean } {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const oid = lines.find((l) => l.startsWith('# branch.oid '));
  return { gitCommit: /^# branch\.oid ([0-9a-f]{40,64})$/.exec(oid ?? '')?.[1] ?? null, gitDirty: lines.some((l) => !l.startsWith('#')) };
}

let cached: { version: string; gitCommit: string | null; gitDirty: boolean | null } | null = null;

/** Version and commit, read from package.json and git where a file system is available (not in a browser). */
export async function codeIdentity(): Promise<{ version: string; gitCommit: string | null; gitDirty: boolean | null }> {
  if (cached) return cached;
  let version = 'unknown', gitCommit: string | null = null, gitDirty: boolean | null = null;
  try {
    const root = new URL('../../', import.meta.url);
    if (root.protocol === 'file:') {
      const fs = await import('node:fs/promises');
      version = JSON.parse(await fs.readFile(new URL('package.json', root), 'utf8')).version;
      const cp = await import('node:child_process');
      const cwd = new URL('.', root).pathname;
      try {
        // One git process for both (each costs about 10 ms of every command's start).
        ({ gitCommit, gitDirty } = parseGitStatus(
          cp.execFileSync('git', ['status', '--porcelain=v2', '--branch', '--untracked-files=no'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString()));
      } catch {
        /* not a git checkout */
      }
    }
  } catch {
    /* browser: the page injects its own version */
  }
  cached = { version, gitCommit, gitDirty };
  return cached;
}
