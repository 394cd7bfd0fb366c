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
        gitCommit = cp.execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
        gitDirty = cp.execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
          .toString().trim().length > 0;
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
