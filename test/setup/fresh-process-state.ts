/**
 * Before each test file: the state a file would find in a process of its own. The files share their worker's modules
 * and process (vite.config.ts, isolate: false), and two things a run changes in its process outlive the file:
 * - the theory store an in-process CLI run installs (src/cli/theory-store.ts): removed;
 * - the environment: creating Node's WebGPU device points VK_ICD_FILENAMES at SwiftShader (src/engines/webgpu/device.ts),
 *   which a later file's Deno subprocess would inherit (and run on SwiftShader instead of lavapipe): put back as the
 *   worker started.
 */
import { beforeAll } from 'vitest';
import { setTheoryStore } from '../../src/theory/theory-store.ts';

const g = globalThis as { __stdpMcWorkerEnv?: Record<string, string | undefined> };
// The first file's view of the environment is the worker's own (this module may be evaluated again for each file).
g.__stdpMcWorkerEnv ??= { ...process.env };

beforeAll(() => {
  setTheoryStore(null);
  const start = g.__stdpMcWorkerEnv!;
  for (const k of Object.keys(process.env)) if (!(k in start)) delete process.env[k];
  for (const [k, v] of Object.entries(start)) if (process.env[k] !== v && v !== undefined) process.env[k] = v;
});
