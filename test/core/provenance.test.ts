/**
 * The commit and dirty flag of the provenance come from one `git status --porcelain=v2 --branch` (src/core/provenance.ts
 * parseGitStatus), checked here against git itself in a scratch repository: before the first commit, clean, with a
 * changed tracked file, and with only an untracked file (which does not make the checkout dirty).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeIdentity, parseGitStatus } from '../../src/core/provenance.ts';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const status = (cwd: string) => parseGitStatus(git(cwd, 'status', '--porcelain=v2', '--branch', '--untracked-files=no'));

describe('provenance: commit and dirty flag from one git status', () => {
  it('agrees with git rev-parse HEAD and git status --porcelain', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stdp-mc-git-'));
    git(dir, 'init', '-q');
    writeFileSync(join(dir, 'a.txt'), 'one\n');
    git(dir, 'add', 'a.txt');
    expect(status(dir)).toEqual({ gitCommit: null, gitDirty: true }); // no commit yet ("(initial)"), a staged file
    git(dir, 'commit', '-q', '-m', 'first');
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    expect(status(dir)).toEqual({ gitCommit: head, gitDirty: false });
    writeFileSync(join(dir, 'b.txt'), 'untracked\n');
    expect(status(dir)).toEqual({ gitCommit: head, gitDirty: false });
    writeFileSync(join(dir, 'a.txt'), 'two\n');
    expect(status(dir)).toEqual({ gitCommit: head, gitDirty: true });
  });

  it('this checkout: the commit is HEAD\'s', async () => {
    const id = await codeIdentity();
    expect(id.gitCommit).toBe(git(process.cwd(), 'rev-parse', 'HEAD').trim());
    expect(id.gitDirty).toBe(git(process.cwd(), 'status', '--porcelain', '--untracked-files=no').trim().length > 0);
  });
});
