/**
 * The chain's engine selection in the browser (src/models/chain/page/browser-engine.ts) with the experiment: gpu.js
 * runs the plain chain only, so an experiment with correlated inputs or time-varying rates passes it over for the CPU
 * engine, saying why (before, the page chose gpu.js where WebGPU was missing, and every batch was refused). Node has
 * neither navigator.gpu nor a canvas, as a browser without WebGPU and WebGL would.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chainModel } from '../../../../src/models/chain/definition.ts';
import { selectBrowserEngine } from '../../../../src/models/chain/page/browser-engine.ts';

const load = (name: string) => chainModel.parse(JSON.parse(readFileSync(new URL(`../../../../experiments/${name}.json`, import.meta.url), 'utf8')), {});

describe('the chain\'s browser engine with the experiment', () => {
  const correlated = load('fig6-correlated'), plain = load('quickstart');

  it('gpu.js asked for an experiment with the extensions: the CPU engine, and why', async () => {
    const s = await selectBrowserEngine('gpujs', correlated);
    expect([s.engine.info.name, s.fallback]).toEqual(['cpu', true]);
    expect(s.reason).toBe('gpu.js was requested but gpu.js does not run the model extensions (correlated inputs), so the CPU engine runs');
  });

  it('WebGPU missing: gpu.js is not tried for the extensions, the CPU engine runs', async () => {
    const s = await selectBrowserEngine('webgpu', correlated);
    expect([s.engine.info.name, s.fallback]).toEqual(['cpu', true]);
    expect(s.reason).toMatch(/^WebGPU was requested but .*, and gpu\.js does not run the model extensions \(correlated inputs\), so the CPU reference engine runs$/);
    const p = await selectBrowserEngine('webgpu', plain);
    expect(p.reason).toMatch(/, and webgl2 is unavailable, so the CPU reference engine runs$/);
  });
});
