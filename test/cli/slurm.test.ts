/**
 * The cluster recipes (scripts/slurm/, scripts/k8s/) on a real scheduler: a one-node Slurm cluster started here —
 * munged, slurmctld and slurmd (Debian's munge and slurm-wlm, installed by scripts/ensure-system-deps.mjs) with a
 * generated slurm.conf for this host, every file and port of its own in a temporary folder — and stopped in afterAll,
 * by the pids this file started. The node offers its CPUs and one `gpu` (a stand-in device file: the GPU recipe's
 * WebGPU runs on Mesa's lavapipe). No cgroups: proctrack/linuxproc, task/none, no accounting. The scheduler starts
 * jobs as soon as it can (no batch-scheduling delay; a full pass every second instead of every minute).
 *
 * Each recipe is submitted as a user would and its merged summary must equal the single-machine run's (counts exactly,
 * floats within 1e-12): a chain sweep under Node (more shards asked than batches: capped), Song under Deno, the
 * rare-event model by hand with an array larger than its batch count (empty shards neither crash nor block the
 * merge), Song on the GPU variant; a task killed with scancel is resubmitted with --resume and the merge follows; the
 * Kubernetes manifests are filled with completions = the batch count and their pods' commands run here.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname, tmpdir, userInfo, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../gpu/spawn.ts';
import { expectClose } from '../expect-close.ts';
import { scrub, smallExperiment } from '../models/small-experiments.ts';
import { runCli } from './cli-helpers.ts';

const TMP = mkdtempSync(join(tmpdir(), 'stdp-mc-slurm-'));
chmodSync(TMP, 0o755); // munged wants every directory above its socket searchable by all
const CONF = join(TMP, 'slurm.conf');
const SOCKET = join(TMP, 'munge', 'munge.socket');
const NODE = 'stdpmc';
const HOST = hostname().split('.')[0]!;
const SUBMIT = join(ROOT, 'scripts/slurm/submit.sh');
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED']);

/** The environment of every Slurm command and job: this cluster's config, and this Node first on the PATH. */
const ENV: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: CONF, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
for (const k of Object.keys(ENV)) if (k.startsWith('SLURM_') && k !== 'SLURM_CONF') delete ENV[k];

const daemons: { name: string; proc: ChildProcess }[] = [];

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = ENV, timeout = 60_000) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', timeout });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(none)';
  }
}

/** The daemons' own words, for a cluster that does not come up. */
function daemonLogs(): string {
  return ['munged.log', 'munged.out', 'slurmctld.log', 'slurmctld.out', 'slurmd.log', 'slurmd.out']
    .map((f) => `--- ${f}\n${tail(join(TMP, 'log', f))}`).join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `ok()`, asking every `everyMs` (a Slurm command costs some 25 ms; reading a file, far less). */
async function until(what: string, ok: () => boolean, timeoutMs: number, why: () => string = daemonLogs, everyMs = 100): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not after ${timeoutMs / 1000} s\n${why()}`);
    await sleep(everyMs);
  }
}

/**
 * n ports free on 127.0.0.1, all different: each is held open until all are chosen (closed one by one, the system
 * could hand out the same port twice, and slurmctld and slurmd on one port refuse to start).
 */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<Server>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function start(name: string, cmd: string, args: string[]): void {
  const out = openSync(join(TMP, 'log', `${name}.out`), 'a');
  const proc = spawn(cmd, args, { stdio: ['ignore', out, out], env: ENV });
  proc.on('error', () => { /* reported by the wait that follows */ });
  daemons.push({ name, proc });
}

function stopAll(): void {
  for (const { proc } of daemons.splice(0).reverse()) {
    if (proc.pid && proc.exitCode === null && proc.signalCode === null) {
      try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
}
process.on('exit', stopAll); // a test run cut short leaves no daemon behind

/** JobState of every record of a job (one per array task), from slurmctld (finished jobs are kept an hour). */
function jobStates(id: string): { task: string; state: string; reason: string; exit: string }[] {
  const r = sh('scontrol', ['show', 'job', '-o', id]);
  return r.out.trim().split('\n').filter((l) => l.includes('JobState=')).map((l) => ({
    task: /ArrayTaskId=(\S+)/.exec(l)?.[1] ?? '',
    state: /JobState=(\S+)/.exec(l)![1]!,
    reason: /Reason=(\S+)/.exec(l)?.[1] ?? '',
    exit: /ExitCode=(\S+)/.exec(l)?.[1] ?? '',
  }));
}

/** Wait until every record of the job has ended; the records. */
async function waitJob(id: string, logs: string, timeoutMs = 240_000) {
  let states = jobStates(id);
  await until(`job ${id} ending`, () => {
    states = jobStates(id);
    return states.length > 0 && states.every((s) => TERMINAL.has(s.state));
  }, timeoutMs, () => `${JSON.stringify(states)}\n${sh('squeue', []).out}\n${jobLogs(logs)}\n${daemonLogs()}`);
  return states;
}

function jobLogs(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir).filter((f) => f.endsWith('.out')).map((f) => `--- ${f}\n${tail(join(dir, f), 8)}`).join('\n');
}

function ids(submitOut: string): { shards: string; merge: string } {
  return { shards: /shards: job (\d+)/.exec(submitOut)![1]!, merge: /merge: +job (\d+)/.exec(submitOut)![1]! };
}

/** The merged summary equals the single run's: counts exactly, floats within 1e-12 (timings and provenance aside). */
function expectSameSummary(merged: unknown, single: unknown): void {
  expectClose(scrub(single), scrub(merged), { rel: 1e-12, floor: 1 });
}

const singles = new Map<string, any>();

/** The single-machine run's summary (run once per file, runtime and engine: two tests compare with the same one). */
function reference(runtime: 'node' | 'deno', file: string, engine = 'cpu'): any {
  const key = `${runtime} ${engine} ${file}`;
  if (!singles.has(key)) {
    const r = runCli(runtime, ['run', file, '--engine', engine, '--json', '--no-report', '--out', join(TMP, `single-${engine}-${runtime}-${Date.now()}`)], 180_000);
    expect(r.status, r.stderr).toBe(0);
    singles.set(key, JSON.parse(r.stdout));
  }
  return singles.get(key);
}

/** The pid of the process whose arguments include every one of `args`, or null. */
function pidWith(args: string[]): number | null {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (args.every((a) => argv.includes(a))) return Number(d);
  }
  return null;
}

function write(name: string, json: object): string {
  const f = join(TMP, `${name}.json`);
  writeFileSync(f, JSON.stringify(json));
  return f;
}

/** A small copy of experiments/success-vs-alpha-d2.json (the chain sweep of the README's recipe). */
function chainSweep(name: string, trajectories: number, alpha: number[], batches: number): string {
  const j = JSON.parse(readFileSync(join(ROOT, 'experiments/success-vs-alpha-d2.json'), 'utf8'));
  delete j.$schema;
  j.name = name;
  j.scenario.trajectories = trajectories;
  j.sweep.alpha = alpha;
  j.batches = batches;
  return write(name, j);
}

const song = write('song', smallExperiment('song'));
const rare = write('rare-event', smallExperiment('rare-event'));

beforeAll(async () => {
  if (process.getuid?.() !== 0) {
    throw new Error('the Slurm test starts munged, slurmctld and slurmd as root (as CI runs): run it as root');
  }
  for (const d of ['munge', 'state', 'spool', 'log']) mkdirSync(join(TMP, d), { mode: 0o755 });
  const key = join(TMP, 'munge', 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const [ctldPort, dPort] = await freePorts(2);
  const user = userInfo().username;
  writeFileSync(CONF, [
    'ClusterName=stdpmc',
    `SlurmctldHost=${HOST}(127.0.0.1)`,
    `SlurmctldPort=${ctldPort}`,
    `SlurmdPort=${dPort}`,
    `SlurmUser=${user}`,
    `SlurmdUser=${user}`,
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${SOCKET}`,
    `StateSaveLocation=${join(TMP, 'state')}`,
    `SlurmdSpoolDir=${join(TMP, 'spool')}`,
    `SlurmctldPidFile=${join(TMP, 'slurmctld.pid')}`,
    `SlurmdPidFile=${join(TMP, 'slurmd.pid')}`,
    `SlurmctldLogFile=${join(TMP, 'log', 'slurmctld.log')}`,
    `SlurmdLogFile=${join(TMP, 'log', 'slurmd.log')}`,
    'SlurmctldDebug=info',
    'SlurmdDebug=info',
    // No cgroups (none to be had in a container): processes tracked by parentage, no task binding, no accounting.
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'JobCompType=jobcomp/none',
    'SwitchType=switch/none',
    'MpiDefault=none',
    'SchedulerType=sched/backfill',
    // Start jobs as soon as they can start: Slurm's defaults delay batch jobs up to 3 s (batch_sched_delay) and make
    // a full pass once a minute; a dependent job (the merge) then waits for the next pass, here at most a second.
    'SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,sched_interval=1,bf_interval=1',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_CPU',
    'GresTypes=gpu',
    'ReturnToService=2',
    'MinJobAge=3600', // finished jobs stay visible to scontrol
    'KillWait=10',
    'MailProg=/bin/true',
    'SlurmdParameters=config_overrides',
    `NodeName=${NODE} NodeAddr=127.0.0.1 NodeHostname=${HOST} CPUs=${cpus().length} RealMemory=1000 Gres=gpu:1 State=UNKNOWN`,
    `PartitionName=debug Nodes=${NODE} Default=YES MaxTime=INFINITE State=UP`,
    '',
  ].join('\n'));
  // The node's one GPU: a device file Slurm can hand out (the WebGPU engine then finds lavapipe, Mesa's CPU Vulkan).
  writeFileSync(join(TMP, 'gres.conf'), `NodeName=${NODE} Name=gpu File=/dev/null\n`);

  start('munged', 'munged', ['-F', `--socket=${SOCKET}`, `--key-file=${key}`, `--pid-file=${join(TMP, 'munge', 'munged.pid')}`,
    `--log-file=${join(TMP, 'log', 'munged.log')}`, `--seed-file=${join(TMP, 'munge', 'munged.seed')}`]);
  await until('munged answering', () => sh('munge', ['-S', SOCKET, '-n']).code === 0, 30_000, daemonLogs, 50);
  start('slurmctld', 'slurmctld', ['-D', '-i', '-f', CONF]);
  await until('slurmctld answering', () => /UP/.test(sh('scontrol', ['ping']).out), 60_000, daemonLogs, 50);
  start('slurmd', 'slurmd', ['-D', '-N', NODE, '-f', CONF]);
  await until('the node idle', () => sh('sinfo', ['-h', '-N', '-o', '%T']).out.trim() === 'idle', 60_000, daemonLogs, 50);
}, 150_000);

afterAll(async () => {
  if (daemons.length) {
    sh('scancel', ['--user', userInfo().username]);
    const t0 = Date.now();
    while (sh('squeue', ['-h']).out.trim() && Date.now() - t0 < 20_000) await sleep(250);
  }
  for (const { proc } of [...daemons].reverse()) {
    if (proc.exitCode !== null || proc.signalCode !== null) continue;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
  }
  stopAll();
  rmSync(TMP, { recursive: true, force: true });
}, 60_000);

describe('the Slurm recipes on a one-node cluster', () => {
  it('a chain sweep under Node: 6 shards asked, capped at the 4 batches, merged with its report, equals the single run', async () => {
    const file = chainSweep('d2-small', 2000, [0.2, 0.1, 0.05], 4);
    const out = join(TMP, 'runs', 'd2');
    const s = sh('bash', [SUBMIT, '--runtime', 'node', file, '6', out]);
    expect(s.code, s.err).toBe(0);
    expect(s.out).toMatch(/4 shards \(capped from 6: the experiment has at most 4 batches per grid point/);
    expect(s.out).toContain(`merged report: ${out}/merged/report.html`);
    const job = ids(s.out);
    const single = reference('node', file);
    const merge = await waitJob(job.merge, join(out, 'slurm'));
    expect(merge[0]!.state, jobLogs(join(out, 'slurm'))).toBe('COMPLETED');
    const tasks = jobStates(job.shards);
    expect(tasks.map((t) => t.task).sort()).toEqual(['1', '2', '3', '4']);
    expect(tasks.every((t) => t.state === 'COMPLETED')).toBe(true);
    expectSameSummary(JSON.parse(readFileSync(join(out, 'merged', 'summary.json'), 'utf8')), single);
    expect(existsSync(join(out, 'merged', 'report.html'))).toBe(true);
  }, 420_000);

  it('Song under Deno: 3 shards merged equal the single run', async () => {
    const out = join(TMP, 'runs', 'song');
    const s = sh('bash', [SUBMIT, '--runtime', 'deno', '--no-report', song, '3', out]);
    expect(s.code, s.err).toBe(0);
    expect(s.out).toMatch(/--engine cpu under deno/);
    const single = reference('deno', song);
    const merge = await waitJob(ids(s.out).merge, join(out, 'slurm'));
    expect(merge[0]!.state, jobLogs(join(out, 'slurm'))).toBe('COMPLETED');
    expectSameSummary(JSON.parse(readFileSync(join(out, 'merged', 'summary.json'), 'utf8')), single);
  }, 420_000);

  it('rare-event by hand (sbatch shards.sbatch, then merge.sbatch afterok): an array of 6 over 4 batches, empty shards included, merges', async () => {
    const out = join(TMP, 'runs', 'rare');
    mkdirSync(out, { recursive: true });
    const env = { ...ENV, STDP_MC_RUNTIME: 'deno' };
    const a = sh('sbatch', ['--parsable', '--array=1-6', `--output=${out}/shard-%a.out`, join(ROOT, 'scripts/slurm/shards.sbatch'), rare, '6', out], env);
    expect(a.code, a.err).toBe(0);
    const arrayJob = a.out.trim().split(';')[0]!;
    const m = sh('sbatch', ['--parsable', `--dependency=afterok:${arrayJob}`, '--kill-on-invalid-dep=yes', `--output=${out}/merge.out`,
      join(ROOT, 'scripts/slurm/merge.sbatch'), '6', out, '--no-report'], env);
    expect(m.code, m.err).toBe(0);
    const single = reference('deno', rare);
    const merge = await waitJob(m.out.trim().split(';')[0]!, out);
    expect(merge[0]!.state, jobLogs(out)).toBe('COMPLETED');
    expect(jobStates(arrayJob).every((t) => t.state === 'COMPLETED')).toBe(true);
    for (const i of [5, 6]) expect(readFileSync(join(out, `shard-${i}.out`), 'utf8')).toMatch(/holds no batch/);
    expectSameSummary(JSON.parse(readFileSync(join(out, 'merged', 'summary.json'), 'utf8')), single);
  }, 420_000);

  it('the GPU variant (--gres=gpu:1, --engine webgpu under Deno) merges into the single WebGPU run', async () => {
    const out = join(TMP, 'runs', 'song-gpu');
    const s = sh('bash', [SUBMIT, '--gpu', '--no-report', song, '2', out]);
    expect(s.code, s.err).toBe(0);
    expect(s.out).toMatch(/one GPU each, --engine webgpu under Deno/);
    const single = reference('deno', song, 'webgpu');
    const merge = await waitJob(ids(s.out).merge, join(out, 'slurm'));
    expect(merge[0]!.state, jobLogs(join(out, 'slurm'))).toBe('COMPLETED');
    const logs = readdirSync(join(out, 'slurm')).filter((f) => f.startsWith('shard-')).map((f) => readFileSync(join(out, 'slurm', f), 'utf8'));
    expect(logs).toHaveLength(2);
    for (const l of logs) expect(l).toMatch(/GPU 0\): starting/); // Slurm gave the task its GPU
    const merged = JSON.parse(readFileSync(join(out, 'merged', 'summary.json'), 'utf8'));
    expect(merged.engine.name).toBe('webgpu');
    expectSameSummary(merged, single);
  }, 420_000);

  it('a task cancelled with scancel mid-run, resubmitted with --resume, continues from its state; then the merge', async () => {
    const file = chainSweep('d2-resume', 8000, [0.1, 0.05], 8);
    const out = join(TMP, 'runs', 'd2-resume');
    const s = sh('bash', [SUBMIT, '--no-report', file, '2', out]);
    expect(s.code, s.err).toBe(0);
    const first = ids(s.out);
    const state = join(out, 'shard-1', 'state.jsonl');
    const saved = () => (existsSync(state) ? readFileSync(state, 'utf8').split('\n').filter((l) => l.includes('"kind":"batch"')).length : 0);
    // Shard 1 is held (SIGSTOP) as soon as it has saved a batch, most of its 4 batches of each α still to run, so the
    // cancel lands mid-run however fast the run goes; scancel sends the job SIGCONT, then SIGTERM.
    let shard1 = 0;
    await until('shard 1 running', () => (shard1 = pidWith(['--shard', '1/2', join(out, 'shard-1')]) ?? 0) > 0, 120_000, () => jobLogs(join(out, 'slurm')), 20);
    await until('shard 1 saving a batch', () => saved() >= 1, 120_000, () => jobLogs(join(out, 'slurm')), 10);
    process.kill(shard1, 'SIGSTOP');
    const c = sh('scancel', [`${first.shards}_1`]);
    expect(c.code, c.err).toBe(0);
    const tasks = await waitJob(first.shards, join(out, 'slurm'));
    const t1 = tasks.find((t) => t.task === '1')!;
    expect(t1.state).toBe('CANCELLED');
    expect(readFileSync(state, 'utf8')).not.toContain('"kind":"complete"'); // really interrupted
    const atCancel = saved();
    expect(readFileSync(join(out, 'slurm', `shard-1-${first.shards}.out`), 'utf8')).toMatch(/stopped by SIGTERM; \d+ batches are saved/);
    // afterok can no longer be met: the merge is cancelled, not left pending forever
    const oldMerge = await waitJob(first.merge, join(out, 'slurm'), 60_000);
    expect(oldMerge[0]).toMatchObject({ state: 'CANCELLED', reason: 'DependencyNeverSatisfied' });

    const r = sh('bash', [SUBMIT, '--resume', out, '1']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/resubmitted d2-resume: tasks 1 of 2/);
    const again = ids(r.out);
    const single = reference('node', file);
    const merge = await waitJob(again.merge, join(out, 'slurm'));
    expect(merge[0]!.state, jobLogs(join(out, 'slurm'))).toBe('COMPLETED');
    const log = readFileSync(join(out, 'slurm', `shard-1-${again.shards}.out`), 'utf8');
    expect(log).toMatch(new RegExp(`resuming ${out}/shard-1 \\(${atCancel} batches saved\\)`));
    expectSameSummary(JSON.parse(readFileSync(join(out, 'merged', 'summary.json'), 'utf8')), single);
  }, 420_000);
});

describe('the Kubernetes recipe', () => {
  it('fills completions with the batch count, bounds retries (restartPolicy Never, backoffLimitPerIndex), and its pods\' commands resume and merge into the single run', () => {
    const out = join(TMP, 'k8s');
    const s = sh('bash', [join(ROOT, 'scripts/k8s/submit.sh'), '--name', 'Rare Event', '--runtime', 'deno', '--pod-experiment', rare, '--out', out, rare, '9']);
    expect(s.code, s.err).toBe(0);
    expect(s.out).toMatch(/rare-event: 4 shards \(capped from 9/);
    const job = readFileSync(join(out, 'shards-job.yaml'), 'utf8');
    const merge = readFileSync(join(out, 'merge-job.yaml'), 'utf8');
    for (const y of [job, merge]) {
      expect(y).not.toMatch(/\$\{/);
      expect(y).not.toMatch(/\t/);
      expect(y).toMatch(/restartPolicy: Never/);
    }
    expect(job).toMatch(/^ {2}completionMode: Indexed$/m);
    expect(job).toMatch(/^ {2}completions: 4$/m);
    expect(job).toMatch(/^ {2}backoffLimitPerIndex: 2$/m);
    expect(job).not.toMatch(/OnFailure/);
    expect(merge).toMatch(/^ {2}backoffLimit: 0$/m);
    // The pods' environment as the manifest sets it, and their commands run here, index by index.
    const env: Record<string, string> = {};
    for (const m of job.matchAll(/- name: (\w+)\n\s+value: "(.*)"/g)) env[m[1]!] = m[2]!;
    expect(env).toMatchObject({ EXPERIMENT: rare, SHARDS: '4', RUNS: '/runs/rare-event', STDP_MC_RUNTIME: 'deno' });
    const runs = join(TMP, 'k8s-runs');
    const podEnv = { ...ENV, ...env, RUNS: runs };
    for (let index = 0; index < 4; index++) {
      const p = sh('bash', ['scripts/k8s/shard.sh'], { ...podEnv, JOB_COMPLETION_INDEX: String(index) }, 120_000);
      expect(p.code, p.out + p.err).toBe(0);
    }
    // a retried pod (same index) finds its shard's state and resumes it instead of failing on an existing run
    const retried = sh('bash', ['scripts/k8s/shard.sh'], { ...podEnv, JOB_COMPLETION_INDEX: '0' }, 120_000);
    expect(retried.code, retried.out + retried.err).toBe(0);
    expect(retried.out).toMatch(new RegExp(`shard 1/4 .*: resuming ${runs}/shard-1`));
    const command = JSON.parse(/command: (\[.*\])/.exec(merge)![1]!) as string[];
    expect(command.slice(0, 3)).toEqual(['bash', 'scripts/slurm/merge.sbatch', '4']);
    const m = sh(command[0]!, [command[1]!, command[2]!, runs, '--no-report'], { ...podEnv, STDP_MC_HOME: ROOT }, 120_000);
    expect(m.code, m.out + m.err).toBe(0);
    expectSameSummary(JSON.parse(readFileSync(join(runs, 'merged', 'summary.json'), 'utf8')), reference('deno', rare));
  });
});
