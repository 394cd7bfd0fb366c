#!/usr/bin/env node
// Checks the system packages the test suites need and installs the missing ones when running as root (Debian);
// otherwise stops with the one command to run. Needed:
//   mesa-vulkan-drivers + libvulkan1  Deno's WebGPU runs WGSL on the CPU through Mesa's lavapipe
//   chromium                          its SwiftShader Vulkan ICD backs Node's Dawn (npm `webgpu`); later: browser tests
//   slurm-wlm + munge                 test/cli/slurm.test.ts runs the cluster recipes (scripts/slurm/) on a one-node
//                                     Slurm it starts itself (munged, slurmctld, slurmd with its own config): the
//                                     packages' own services are not used
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const checks = [
  { pkg: 'libvulkan1', ok: () => ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib/libvulkan.so.1'].some(existsSync) },
  { pkg: 'mesa-vulkan-drivers', ok: () => existsSync('/usr/share/vulkan/icd.d') && readdirSync('/usr/share/vulkan/icd.d').some((f) => f.startsWith('lvp_icd')) },
  { pkg: 'chromium', ok: () => existsSync('/usr/bin/chromium') && existsSync('/usr/lib/chromium/vk_swiftshader_icd.json') },
  { pkg: 'slurm-wlm', ok: () => ['/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch', '/usr/bin/scontrol'].every(existsSync) },
  { pkg: 'munge', ok: () => existsSync('/usr/sbin/munged') },
];

const missing = checks.filter((c) => !c.ok()).map((c) => c.pkg);
if (missing.length === 0) process.exit(0);

const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(`stdp-mc tests need system packages that are missing: ${missing.join(', ')}.\nRun:\n  sudo sh -c '${cmd}'`);
  process.exit(1);
}
console.error(`installing missing system packages: ${missing.join(', ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'inherit', 'inherit'], env });
const still = checks.filter((c) => !c.ok()).map((c) => c.pkg);
if (still.length) {
  console.error(`still missing after apt-get: ${still.join(', ')}`);
  process.exit(1);
}
