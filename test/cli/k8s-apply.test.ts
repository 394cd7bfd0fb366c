/**
 * scripts/k8s/submit.sh --apply against a stand-in kubectl (a script on the PATH that logs its calls): it applies the
 * shards Job, waits, and applies the merge Job only once the shards Job is complete; a shards Job that ends Failed
 * (a refused experiment fails it at once) stops it at once with exit 1, naming the Job, instead of a 24 h wait for a
 * completion that never comes. (The manifests themselves and the pods' commands: test/cli/slurm.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../gpu/spawn.ts';

const TMP = mkdtempSync(join(tmpdir(), 'stdp-mc-k8s-'));

/** A kubectl that logs each call and answers `wait --for=condition=<ends>` at once, the other condition never. */
function fakeKubectl(ends: 'complete' | 'failed'): { path: string; log: string } {
  const bin = mkdtempSync(join(TMP, 'bin-'));
  const log = join(bin, 'calls.log');
  writeFileSync(join(bin, 'kubectl'), `#!/bin/bash
echo "$*" >> ${JSON.stringify(log)}
if [ "$1" = wait ]; then
  if [ "$2" = "--for=condition=${ends}" ]; then exit 0; fi
  exec sleep 600
fi
exit 0
`);
  chmodSync(join(bin, 'kubectl'), 0o755);
  return { path: bin, log };
}

function submit(ends: 'complete' | 'failed') {
  const k = fakeKubectl(ends);
  const out = mkdtempSync(join(TMP, 'out-'));
  const started = Date.now();
  const r = spawnSync('bash', [join(ROOT, 'scripts/k8s/submit.sh'), '--apply', '--out', out, 'experiments/quickstart.json', '2'], {
    cwd: ROOT, encoding: 'utf8', timeout: 120_000,
    env: { ...process.env, PATH: `${k.path}:${dirname(process.execPath)}:${process.env.PATH}` },
  });
  const calls = readFileSync(k.log, 'utf8').trim().split('\n');
  return { code: r.status, out: r.stdout, err: r.stderr, calls, seconds: (Date.now() - started) / 1000 };
}

describe('scripts/k8s/submit.sh --apply', () => {
  it('applies the merge Job once the shards Job is complete', () => {
    const r = submit('complete');
    expect(r.code, r.err).toBe(0);
    const applied = r.calls.filter((c) => c.startsWith('apply'));
    expect(applied).toHaveLength(2);
    expect(applied[0]).toMatch(/shards-job\.yaml$/);
    expect(applied[1]).toMatch(/merge-job\.yaml$/);
    expect(r.out).toMatch(/merged: \/runs\/stdp-mc-quickstart\/merged\//);
  }, 120_000);

  it('stops at once, naming the Job, when the shards Job fails (no merge Job, no 24 h wait)', () => {
    const r = submit('failed');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/job\/stdp-mc-quickstart failed/);
    expect(r.calls.filter((c) => c.startsWith('apply'))).toHaveLength(1);
    expect(r.seconds).toBeLessThan(60); // the stand-in's completion wait sleeps 600 s
  }, 120_000);
});
