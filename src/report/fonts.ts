/**
 * The DejaVu Sans font files (npm package dejavu-fonts-ttf) and text widths measured from their advance widths.
 *
 * Vega lays out text (legend columns, axis-title offsets, title and label truncation) from a text-width function;
 * without a canvas it falls back to 0.8 × fontSize per character, far wider than DejaVu Sans. `measureText` reads the
 * real advance widths from the TTF's cmap and hmtx tables, so the SVG vega lays out matches what resvg (and a browser
 * with the same font) draws. No kerning: widths are a little generous, never short.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FONT_FAMILY = 'DejaVu Sans';

/** Folder holding the DejaVu TTF files; STDP_MC_FONT_DIR overrides. */
export function fontDir(): string {
  const env = typeof process !== 'undefined' ? process.env?.STDP_MC_FONT_DIR : undefined;
  if (env && existsSync(join(env, 'DejaVuSans.ttf'))) return env;
  try {
    const req = createRequire(import.meta.url);
    const d = join(dirname(req.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    if (existsSync(join(d, 'DejaVuSans.ttf'))) return d;
  } catch {
    // fall through to the walk up from this file
  }
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const c = join(d, 'node_modules', 'dejavu-fonts-ttf', 'ttf');
    if (existsSync(join(c, 'DejaVuSans.ttf'))) return c;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  throw new Error('DejaVu fonts not found: install dejavu-fonts-ttf or set STDP_MC_FONT_DIR');
}

/** The four DejaVu Sans faces (regular, bold, oblique, bold oblique) as file paths for resvg. */
export function fontFiles(): string[] {
  const d = fontDir();
  return ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf', 'DejaVuSans-BoldOblique.ttf']
    .map((f) => join(d, f))
    .filter((f) => existsSync(f));
}

export interface FontMetrics {
  unitsPerEm: number;
  /** Advance width in font units per code point. */
  advance: Map<number, number>;
  /** Advance of glyph 0 (.notdef), used for code points the font lacks. */
  missing: number;
}

/** Parses cmap (formats 4 and 12) and hmtx of a TrueType file. */
export function parseTtfMetrics(buf: Uint8Array): FontMetrics {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const numTables = v.getUint16(4);
  const tables = new Map<string, number>();
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + 16 * i;
    const tag = String.fromCharCode(buf[rec]!, buf[rec + 1]!, buf[rec + 2]!, buf[rec + 3]!);
    tables.set(tag, v.getUint32(rec + 8));
  }
  const need = (t: string) => {
    const o = tables.get(t);
    if (o === undefined) throw new Error(`TTF lacks the ${t} table`);
    return o;
  };
  const head = need('head'), hhea = need('hhea'), hmtx = need('hmtx'), cmap = need('cmap');
  const unitsPerEm = v.getUint16(head + 18);
  const nHMetrics = v.getUint16(hhea + 34);
  const glyphAdvance = (g: number) => v.getUint16(hmtx + 4 * Math.min(g, nHMetrics - 1));

  const nSub = v.getUint16(cmap + 2);
  let f4 = -1, f12 = -1;
  for (let i = 0; i < nSub; i++) {
    const platform = v.getUint16(cmap + 4 + 8 * i), encoding = v.getUint16(cmap + 6 + 8 * i);
    const off = cmap + v.getUint32(cmap + 8 + 8 * i);
    const format = v.getUint16(off);
    if (format === 12 && (platform === 3 || platform === 0)) f12 = off;
    if (format === 4 && ((platform === 3 && encoding === 1) || platform === 0)) f4 = off;
  }
  const advance = new Map<number, number>();
  if (f12 >= 0) {
    const nGroups = v.getUint32(f12 + 12);
    for (let i = 0; i < nGroups; i++) {
      const g = f12 + 16 + 12 * i;
      const start = v.getUint32(g), end = v.getUint32(g + 4), glyph = v.getUint32(g + 8);
      for (let c = start; c <= end; c++) advance.set(c, glyphAdvance(glyph + c - start));
    }
  } else if (f4 >= 0) {
    const segX2 = v.getUint16(f4 + 6);
    const ends = f4 + 14, starts = ends + segX2 + 2, deltas = starts + segX2, ranges = deltas + segX2;
    for (let s = 0; s < segX2 / 2; s++) {
      const end = v.getUint16(ends + 2 * s), start = v.getUint16(starts + 2 * s);
      const delta = v.getInt16(deltas + 2 * s), rangeOff = v.getUint16(ranges + 2 * s);
      for (let c = start; c <= end && c !== 0xffff; c++) {
        let glyph: number;
        if (rangeOff === 0) glyph = (c + delta) & 0xffff;
        else {
          const at = ranges + 2 * s + rangeOff + 2 * (c - start);
          glyph = v.getUint16(at);
          if (glyph !== 0) glyph = (glyph + delta) & 0xffff;
        }
        if (glyph !== 0) advance.set(c, glyphAdvance(glyph));
      }
    }
  } else {
    throw new Error('TTF has no usable cmap subtable');
  }
  return { unitsPerEm, advance, missing: glyphAdvance(0) };
}

let regular: FontMetrics | null = null;
let bold: FontMetrics | null = null;

function metrics(isBold: boolean): FontMetrics {
  if (isBold) return (bold ??= parseTtfMetrics(readFileSync(join(fontDir(), 'DejaVuSans-Bold.ttf'))));
  return (regular ??= parseTtfMetrics(readFileSync(join(fontDir(), 'DejaVuSans.ttf'))));
}

/** Whether DejaVu Sans has a glyph for every character of the text (tests use it on every label a spec carries). */
export function hasGlyphs(text: string): boolean {
  const m = metrics(false);
  for (const ch of text) if (ch.trim() && !m.advance.has(ch.codePointAt(0)!)) return false;
  return true;
}

function isBoldWeight(w: unknown): boolean {
  if (w === 'bold' || w === 'bolder') return true;
  const n = Number(w);
  return Number.isFinite(n) && n >= 600;
}

/** Width in px of the text in DejaVu Sans at the given size and weight. */
export function measureText(text: string, fontSize: number, fontWeight?: unknown): number {
  const m = metrics(isBoldWeight(fontWeight));
  let units = 0;
  for (const ch of text) units += m.advance.get(ch.codePointAt(0)!) ?? m.missing;
  return (units / m.unitsPerEm) * fontSize;
}
