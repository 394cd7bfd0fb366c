/**
 * Headless rendering of vega-lite specs: vega-lite → vega → SVG string (vega View with renderer 'none', no DOM, no
 * canvas), SVG → PNG with resvg using the bundled DejaVu fonts (no system fonts needed). Works under Node and Deno.
 */
import type * as Vega from 'vega';
import type { TopLevelSpec, compile as compileVegaLite } from 'vega-lite';
import { Resvg, renderAsync } from '@resvg/resvg-js';
import { FONT_FAMILY, fontFiles, measureText } from './fonts.ts';

interface TextItem {
  fontSize?: number | string;
  fontWeight?: unknown;
  limit?: number;
}

interface VegaModules {
  vega: typeof Vega;
  compile: typeof compileVegaLite;
}

let vegaLoaded: Promise<VegaModules> | null = null;

/**
 * vega and vega-lite, imported on the first render. They are ES modules with top-level await, which CommonJS cannot
 * require: the command line's CommonJS bundle (bin/cli-bundle.mjs, for its V8 code cache) imports them through its
 * host, so here they are loaded with import(), never statically.
 */
function vegaModules(): Promise<VegaModules> {
  return (vegaLoaded ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, compile: vl.compile })));
}

let metricsInstalled = false;

/**
 * Replaces vega's canvas-less width estimate (0.8 em per character) with DejaVu Sans advance widths, through the
 * user hook vega keeps for this (`textMetrics.width`, as vl-convert does). Widths are clamped to the item's `limit`,
 * which keeps vega's own truncation (binary search with an ellipsis) correct.
 */
function installTextMetrics(vega: typeof Vega): void {
  if (metricsInstalled) return;
  const tm = (vega as unknown as { textMetrics: { width: (item: TextItem, text: unknown) => number } }).textMetrics;
  tm.width = (item: TextItem, text: unknown) => {
    const s = text == null ? '' : String(text).trim();
    const size = item.fontSize != null ? +item.fontSize || 0 : 11;
    if (size <= 0 || !s) return 0;
    const w = measureText(s, size, item.fontWeight);
    const limit = Number(item.limit);
    return limit > 0 ? Math.min(w, limit) : w;
  };
  metricsInstalled = true;
}

/** A loader that refuses every request (report specs inline their data and must render offline); records what it refused. */
function offlineLoader(vega: typeof Vega, refused: string[]) {
  const l = vega.loader();
  l.load = async (uri: string) => {
    refused.push(uri);
    throw new Error(`report specs must inline their data; refused to load ${uri}`);
  };
  return l;
}

/** Compiles a vega-lite spec and renders it to an SVG document string, headless. Rejects specs that load data. */
export async function renderSvg(spec: object): Promise<string> {
  const { vega, compile } = await vegaModules();
  installTextMetrics(vega);
  // vega ingests data.values in place (it tags each row with an id): render a copy, never the caller's objects
  const vg = compile(JSON.parse(JSON.stringify(spec)) as TopLevelSpec).spec;
  const refused: string[] = [];
  const view = new vega.View(vega.parse(vg), { renderer: 'none', loader: offlineLoader(vega, refused), logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    if (refused.length) throw new Error(`report specs must inline their data; refused to load ${refused.join(', ')}`);
    return svg;
  } finally {
    view.finalize();
  }
}

/** resvg's options for a PNG at `scale` (2 gives crisp output on high-density screens and in documents). */
function pngOptions(scale: number) {
  if (!(scale > 0)) throw new Error(`svgToPng: scale must be positive, got ${scale}`);
  return {
    fitTo: { mode: 'zoom' as const, value: scale },
    background: 'white',
    font: {
      loadSystemFonts: false,
      fontFiles: fontFiles(),
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
    shapeRendering: 2 as const,
    textRendering: 1 as const,
    logLevel: 'off' as const,
  };
}

function pngBytes(png: Buffer): Uint8Array {
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** Rasterizes an SVG string to PNG bytes; scale 2 gives crisp output on high-density screens and in documents. */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  return pngBytes(new Resvg(svg, pngOptions(scale)).render().asPng());
}

/** The pixels svgToPng encodes, unencoded: RGBA rows (for tests that look at what a picture shows). */
export function svgToRgba(svg: string, scale = 2): { width: number; height: number; rgba: Uint8Array } {
  const img = new Resvg(svg, pngOptions(scale)).render();
  return { width: img.width, height: img.height, rgba: new Uint8Array(img.pixels) };
}

/** svgToPng on libuv's thread pool (the same resvg, the same bytes): the calling thread goes on meanwhile. */
export async function svgToPngAsync(svg: string, scale = 2): Promise<Uint8Array> {
  return pngBytes((await renderAsync(svg, pngOptions(scale))).asPng());
}

/**
 * The spec as JSON for people and for the browser page: indented, except that each inline data row (`data.values`)
 * stays on one line, so a spec carrying thousands of path points is still short to scroll and small on disk.
 */
export function specJson(spec: object): string {
  const tables: unknown[][] = [];
  const token = (i: number) => `\u0000values${i}\u0000`;
  const text = JSON.stringify(
    spec,
    function (this: unknown, key: string, value: unknown) {
      if (key === 'values' && Array.isArray(value) && value.some((r) => r !== null && typeof r === 'object') && this && typeof this === 'object' && !Array.isArray(this)) {
        tables.push(value);
        return token(tables.length - 1);
      }
      return value;
    },
    2,
  );
  return (
    text.replace(/"\\u0000values(\d+)\\u0000"/g, (_m, i: string) => {
      const rows = tables[Number(i)]!;
      return rows.length ? `[\n${rows.map((r) => `    ${JSON.stringify(r)}`).join(',\n')}\n  ]` : '[]';
    }) + '\n'
  );
}

/** The files of a plot, its SVG text, and the PNG's write (rasterized on the thread pool) to wait for. */
export interface StartedPlot {
  svg: string;
  png: string;
  spec: string;
  svgText: string;
  pngWritten: Promise<void>;
}

/**
 * Writes NAME.svg and NAME.vl.json (the vega-lite spec, for the browser page) into dir and starts NAME.png: resvg
 * rasterizes it on the thread pool while the caller renders the next plot with vega (only the PNG encoding, asPng,
 * runs on the calling thread). Wait for pngWritten before the report is complete.
 */
export async function startPlot(dir: string, name: string, spec: object): Promise<StartedPlot> {
  if (!name || /[\\/]/.test(name) || name === '.' || name === '..') throw new Error(`bad plot name ${JSON.stringify(name)}: a plot is named by a file name (not empty, no / or \\, not . or ..)`);
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  await fs.mkdir(dir, { recursive: true });
  const svgText = await renderSvg(spec);
  const out = { svg: path.join(dir, `${name}.svg`), png: path.join(dir, `${name}.png`), spec: path.join(dir, `${name}.vl.json`) };
  const pngWritten = svgToPngAsync(svgText).then((png) => fs.writeFile(out.png, png));
  pngWritten.catch(() => undefined); // reported where it is awaited; not an unhandled rejection meanwhile
  await fs.writeFile(out.svg, svgText);
  await fs.writeFile(out.spec, specJson(spec));
  return { ...out, svgText, pngWritten };
}

/** Writes NAME.svg, NAME.png and NAME.vl.json (the vega-lite spec, for the browser page) into dir. */
export async function writePlot(dir: string, name: string, spec: object): Promise<{ svg: string; png: string; spec: string }> {
  const { svg, png, spec: specFile, pngWritten } = await startPlot(dir, name, spec);
  await pngWritten;
  return { svg, png, spec: specFile };
}
