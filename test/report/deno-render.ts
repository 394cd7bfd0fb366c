/** Run by test/report/render-deno.test.ts under Deno: renders one spec to SVG and PNG and prints a JSON summary. */
import { renderSvg, svgToPng } from '../../src/report/render.ts';
import { successVsStepSpec } from '../../src/report/plots.ts';

const svg = await renderSvg(successVsStepSpec([
  { step: 1, p: 0.42, lo: 0.4, hi: 0.44 }, { step: 100, p: 0.6, lo: 0.58, hi: 0.62 }, { step: 10000, p: 0.85, lo: 0.83, hi: 0.87 },
]));
const png = svgToPng(svg);
console.log(JSON.stringify({ svgStart: svg.slice(0, 4), svgLength: svg.length, hasLine: svg.includes('mark-line'), png: Array.from(png.slice(0, 24)) }));
