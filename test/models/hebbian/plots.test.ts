/**
 * The Hebbian report's plots: the phase diagram's cell numbers stay readable where a predicted boundary crosses them
 * (drawn above the curves, each over a halo of its cell's colour; in the picture, no pixel of the orange boundary
 * inside a number's box), and a long run's step axis reads 0 at its zero tick, not "0k".
 */
import { describe, expect, it } from 'vitest';
import { LABEL_HALO_PX, phaseDiagramSpec, stepAxis, type PhaseCell } from '../../../src/models/hebbian/plots.ts';
import { header } from '../../../src/report/plot-theme.ts';
import { measureText } from '../../../src/report/fonts.ts';
import { renderSvg, svgToRgba } from '../../../src/report/render.ts';
import { groups, parseXml, visibleAxisLabels, walk, type XmlNode } from '../../report/svg-tree.ts';

const SIGMAS = [0, 0.05, 0.1], GAMMAS = [0.01, 0.1, 1];
const ETA0 = 'boundary, η → 0', ETA = 'boundary, η = 0.01';

/** A 3 × 3 diagram whose orange (exact-η) boundary runs through the middle row's numbers, the black one just below. */
function crossedDiagram() {
  const cells: PhaseCell[] = SIGMAS.flatMap((sigma, i) => GAMMAS.map((gamma, j) => {
    const cos = 0.3 - 0.25 * i + 0.05 * j;
    return { sigma, gamma, cos, label: `${cos < 0 ? '−' : ''}${Math.abs(cos).toFixed(2)}` };
  }));
  const line = (gamma: number) => Array.from({ length: 31 }, (_, k) => ({ sigma: (0.1 * k) / 30, roots: [gamma] }));
  return phaseDiagramSpec({
    cells, sigmas: SIGMAS, gammas: GAMMAS, sigmaTitle: 'parameter noise σ', title: 'phase diagram', subtitle: ['test'],
    boundary: [{ series: ETA0, points: line(0.09) }, { series: ETA, points: line(0.1) }],
  }) as any;
}

/** The text marks' texts (no axis or legend labels) with their anchors' absolute positions (vega nests marks in translated groups). */
function placedTexts(svg: XmlNode): { node: XmlNode; x: number; y: number }[] {
  const out: { node: XmlNode; x: number; y: number }[] = [];
  const visit = (n: XmlNode, dx: number, dy: number) => {
    const t = /translate\(([-\d.e]+),\s*([-\d.e]+)\)/.exec(n.attrs.transform ?? '');
    const x = dx + (t ? Number(t[1]) : 0), y = dy + (t ? Number(t[2]) : 0);
    if (n.tag === 'text' && n.attrs['aria-roledescription'] === 'text mark') out.push({ node: n, x, y });
    for (const c of n.children) visit(c, x, y);
  };
  visit(svg, 0, 0);
  return out;
}

describe('hebbian phase diagram: the boundary never covers a cell\'s number', () => {
  it('draws the numbers after the boundary, each over a halo stroked in its cell\'s colour', async () => {
    const spec = crossedDiagram();
    const kinds = spec.layer.map((l: any) => l.mark.type);
    expect(kinds.lastIndexOf('text')).toBeGreaterThan(kinds.lastIndexOf('line'));
    expect(kinds.indexOf('text')).toBeGreaterThan(kinds.lastIndexOf('line'));
    const svg = parseXml(await renderSvg(spec));
    // in the SVG too: every text mark comes after every line mark
    const order = [...walk(svg)].filter((n) => n.tag === 'g' && /\bmark-(text|line)\b/.test(n.attrs.class ?? '') && !/role-axis|role-legend|role-title/.test(n.attrs.class ?? ''))
      .map((n) => (/mark-text/.test(n.attrs.class!) ? 'text' : 'line'));
    expect(order.indexOf('text')).toBeGreaterThan(order.lastIndexOf('line'));
    // the halo: the same number, filled and stroked in its cell's colour; then the number itself
    // each cell's fill by its value (vega's aria-label writes it with a typographic minus)
    const cellFill = new Map(groups(svg, 'mark-rect').flatMap((g) => g.children)
      .map((p) => [/cos: ([−\d.]+)/.exec(p.attrs['aria-label'] ?? '')?.[1]?.replace('−', '-'), p.attrs.fill]));
    const numbers = placedTexts(svg).filter((t) => /^−?\d\.\d\d$/.test(t.node.text.trim()));
    const halos = numbers.filter((t) => t.node.attrs.stroke);
    expect(halos).toHaveLength(9);
    expect(numbers).toHaveLength(18);
    for (const h of halos) {
      expect(Number(h.node.attrs['stroke-width'])).toBe(LABEL_HALO_PX);
      expect(h.node.attrs.stroke).toBe(h.node.attrs.fill);
      const cos = Number(h.node.text.replace('−', '-'));
      const fill = [...cellFill].find(([c]) => c !== undefined && Math.abs(Number(c) - cos) < 0.006)?.[1];
      expect(h.node.attrs.fill, h.node.text).toBe(fill);
    }
    // one legend entry per boundary: the halo's colour is no stroke channel merged into the boundary's legend
    expect(groups(svg, 'role-legend-label').flatMap((g) => g.children.map((c) => c.text.trim()))).toEqual([ETA0, ETA]);
  });

  it('in the picture: no pixel of the orange boundary inside a number it crosses', async () => {
    const scale = 2;
    const svgText = await renderSvg(crossedDiagram());
    const { width, rgba } = svgToRgba(svgText, scale);
    const orange = (x: number, y: number) => {
      const k = 4 * (Math.round(y) * width + Math.round(x));
      return rgba[k]! > 200 && rgba[k + 1]! > 80 && rgba[k + 1]! < 175 && rgba[k + 2]! < 90;
    };
    // the middle row's numbers (γ = 0.1), the line through their middle: its box is the digits' height above the
    // baseline (vega puts a middle-baseline text's baseline 0.3 em below its anchor)
    const numbers = placedTexts(parseXml(svgText)).filter((t) => /^−?\d\.\d\d$/.test(t.node.text.trim()) && !t.node.attrs.stroke);
    const rowY = [...new Set(numbers.map((t) => Math.round(t.y)))].sort((a, b) => a - b)[1]!;
    const crossed = numbers.filter((t) => Math.round(t.y) === rowY);
    expect(crossed).toHaveLength(3);
    let seenNear = 0;
    for (const t of crossed) {
      const w = measureText(t.node.text.trim(), 10);
      let inside = 0;
      for (let y = (t.y - 7) * scale; y <= (t.y - 0.5) * scale; y++) {
        for (let x = (t.x - w / 2 + 0.5) * scale; x <= (t.x + w / 2 - 0.5) * scale; x++) if (orange(x, y)) inside++;
      }
      expect(inside, `orange pixels inside "${t.node.text.trim()}"`).toBe(0);
      // the boundary is there, beside the number: the check looks where the line runs
      for (let x = (t.x + w / 2 + 6) * scale; x <= (t.x + w / 2 + 30) * scale; x++) for (let y = (t.y - 7) * scale; y <= t.y * scale; y++) if (orange(x, y)) seenNear++;
    }
    expect(seenNear).toBeGreaterThan(0);
  });
});

describe('hebbian step axis', () => {
  it('a long run reads 0 at its zero tick (SI prefixes, "10k", elsewhere)', async () => {
    const checkpoints = Array.from({ length: 21 }, (_, k) => k * 1000);
    const x = stepAxis(checkpoints, 20_000);
    const spec = { ...header('steps', undefined), data: { values: checkpoints.map((step) => ({ step, v: 1 })) }, mark: 'point', encoding: { x, y: { field: 'v', type: 'quantitative' } } };
    const labels = visibleAxisLabels(parseXml(await renderSvg(spec)), 'X');
    expect(labels[0]).toBe('0');
    expect(labels).not.toContain('0k');
    expect(labels).toContain('10k');
  });
});
