/** renderSvg and svgToPng work headless under Deno too (same module, npm packages from node_modules). */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DENO = `${ROOT}node_modules/.bin/deno`;
const SCRIPT = fileURLToPath(new URL('./deno-render.ts', import.meta.url));

describe.skipIf(!existsSync(DENO))('rendering under Deno', () => {
  it('renders a spec to SVG and PNG', () => {
    const out = execFileSync(DENO, ['run', '-A', SCRIPT], { cwd: ROOT, timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r.svgStart).toBe('<svg');
    expect(r.hasLine).toBe(true);
    expect(r.png.slice(0, 8)).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const width = ((r.png[16] << 24) | (r.png[17] << 16) | (r.png[18] << 8) | r.png[19]) >>> 0;
    expect(width).toBeGreaterThan(0);
  });
});
