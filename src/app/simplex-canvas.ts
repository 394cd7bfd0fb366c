/**
 * The animated simplex view (d = 3) on a canvas: contours of L(p) = ¼‖p‖⁴ − ⅓Σp_i³, the sample paths drawn as they
 * grow (each new batch of paths is revealed checkpoint by checkpoint), the replicator flow from p(0) in black, and
 * the start points. Same ternary projection as the report's simplexSpec (simplex-plot.ts).
 */
import { lossContours, ternaryXY } from '../report/simplex-plot.ts';
import type { SimplexLive } from './protocol.ts';

const SQRT3_2 = Math.sqrt(3) / 2;
const GROUP_COLORS = ['#e6550d', '#6a3d9a', '#31a354', '#d62728', '#8c564b', '#e377c2', '#636363', '#bcbd22'];

interface Track {
  live: SimplexLive;
  /** Paths as screen-independent ternary points, ordered by step. */
  paths: [number, number][][];
  flow: [number, number][];
  revealStart: number;
}

/** Space kept free either side of the note's lines (CSS pixels). */
const MESSAGE_MARGIN = 10;

/** Words into lines no wider than `width` in the context's font (a longer word stands alone). */
function wrapText(g: CanvasRenderingContext2D, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && g.measureText(next).width > width) { lines.push(line); line = word; } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}


export class SimplexCanvas {
  private tracks = new Map<number, Track>();
  private raf = 0;
  private readonly revealMs = 1600;
  private note = '';
  private waiting = '';
  /** Γ of the paths drawn (the first track's: a sweep's points share it up to a scale, which moves no contour line). */
  private get gamma(): number[][] | undefined {
    return this.tracks.values().next().value?.live.gamma ?? this.expectedGamma;
  }
  /** Γ of the experiment shown, before any path has come. */
  private expectedGamma: number[][] | undefined;
  /** The lines of the note or waiting text drawn last, with their extent in CSS pixels. */
  private shownLines: { text: string; left: number; right: number }[] = [];

  constructor(private readonly canvas: HTMLCanvasElement) {
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  /** No paths: the note says why none will come ('' for none), `waiting` is shown until the first come. */
  reset(note = '', waiting = '', gamma?: number[][]): void {
    this.tracks.clear();
    this.expectedGamma = gamma;
    this.note = note;
    this.waiting = waiting;
    this.draw();
  }

  /** New or grown paths of a grid point. */
  update(live: SimplexLive): void {
    const byId = new Map<number, { step: number; p: [number, number, number] }[]>();
    for (const q of live.paths) (byId.get(q.id) ?? byId.set(q.id, []).get(q.id)!).push(q);
    const paths = [...byId.values()].map((qs) => qs.sort((a, b) => a.step - b.step).map((q) => ternaryXY(q.p)));
    const old = this.tracks.get(live.point);
    const grown = !old || old.paths.length !== paths.length || old.paths[0]?.length !== paths[0]?.length;
    this.tracks.set(live.point, {
      live, paths, flow: live.flow.map((q) => ternaryXY(q.p)),
      revealStart: grown ? performance.now() : old!.revealStart,
    });
    this.animate();
  }

  /** The note or waiting text on the canvas ('' for none), its lines, and the canvas's width (for tests). */
  get message(): { text: string; lines: { text: string; left: number; right: number }[]; width: number } {
    return { text: this.shownLines.map((l) => l.text).join(' '), lines: this.shownLines, width: this.canvas.clientWidth };
  }

  /** True when something other than the background has been drawn (for tests and the page's own checks). */
  get pathCount(): number {
    let n = 0;
    for (const t of this.tracks.values()) n += t.paths.length;
    return n;
  }

  private animate(): void {
    if (this.raf) return;
    const tick = () => {
      this.raf = 0;
      const busy = this.draw();
      if (busy) this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  /** Draws everything; returns true while a reveal is still animating. */
  draw(): boolean {
    const c = this.canvas;
    const dpr = globalThis.devicePixelRatio || 1;
    const cssW = c.clientWidth || 480, cssH = c.clientHeight || 430;
    if (c.width !== Math.round(cssW * dpr) || c.height !== Math.round(cssH * dpr)) {
      c.width = Math.round(cssW * dpr);
      c.height = Math.round(cssH * dpr);
    }
    const g = c.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = '#fff';
    g.fillRect(0, 0, cssW, cssH);
    // legend entries first: their rows decide how much room the triangle gets
    const tracks = [...this.tracks.values()].sort((a, b) => a.live.point - b.live.point);
    const several = tracks.length > 1;
    const items: { color: string; text: string }[] = tracks.map((t, gi) => ({
      color: several ? GROUP_COLORS[gi % GROUP_COLORS.length]! : '#d62728',
      text: several ? t.live.group : `sample paths (${t.paths.length})`,
    }));
    if (tracks.some((t) => t.flow.length)) items.push({ color: '#111', text: several ? 'replicator flows from each p(0)' : 'replicator flow from p(0)' });
    g.font = '12px "DejaVu Sans", sans-serif';
    const placed: { x: number; row: number; color: string; text: string }[] = [];
    let lx = 10, row = 0;
    for (const it of items) {
      const w = g.measureText(it.text).width + 38;
      if (lx + w > cssW - 8 && lx > 10) { lx = 10; row++; }
      placed.push({ x: lx, row, ...it });
      lx += w;
    }
    // the note (or the text shown while paths are awaited), wrapped to the canvas's width below the legend's rows
    const message = !items.length || this.note ? this.note || this.waiting : '';
    const noteLines = message ? wrapText(g, message, cssW - 2 * MESSAGE_MARGIN) : [];
    const legendRows = items.length ? row + 1 : 0;
    const legendH = Math.max(34, (legendRows + noteLines.length) * 17 + 16);
    const pad = 24;
    const scale = Math.min(cssW - 2 * pad, (cssH - legendH - 2 * pad) / SQRT3_2);
    const ox = (cssW - scale) / 2, oy = pad + scale * SQRT3_2 + 4;
    const X = (p: [number, number]) => [ox + p[0] * scale, oy - p[1] * scale] as const;

    // contours of the loss (L, or −pᵀΓp/2 of the paths' Γ), darker for lower loss
    const { levels, lines } = lossContours(this.gamma, 12, 90);
    const lo = Math.min(...levels), hi = Math.max(...levels);
    g.lineWidth = 1;
    for (const ln of lines) {
      const f = hi > lo ? (ln.level - lo) / (hi - lo) : 0.5;
      const l = 35 + 45 * f; // lightness
      g.strokeStyle = `hsl(210, 60%, ${l}%)`;
      g.beginPath();
      ln.points.forEach(([x, y], i) => { const [a, b] = X([x, y]); if (i) g.lineTo(a, b); else g.moveTo(a, b); });
      g.stroke();
    }
    // triangle and vertex labels
    const tri = [[1, 0, 0], [0, 1, 0], [0, 0, 1]].map((p) => X(ternaryXY(p)));
    g.strokeStyle = '#444';
    g.lineWidth = 1.5;
    g.beginPath();
    tri.forEach(([a, b], i) => (i ? g.lineTo(a, b) : g.moveTo(a, b)));
    g.closePath();
    g.stroke();
    g.fillStyle = '#222';
    g.font = 'bold 14px "DejaVu Sans", sans-serif';
    g.textBaseline = 'middle';
    g.textAlign = 'right'; g.fillText('e₁', tri[0]![0] - 6, tri[0]![1] + 4);
    g.textAlign = 'left'; g.fillText('e₂', tri[1]![0] + 6, tri[1]![1] + 4);
    g.textAlign = 'center'; g.fillText('e₃', tri[2]![0], tri[2]![1] - 12);

    // paths, revealed over revealMs after they arrive
    const now = performance.now();
    let busy = false;
    tracks.forEach((t, gi) => {
      const frac = Math.min(1, (now - t.revealStart) / this.revealMs);
      if (frac < 1) busy = true;
      const color = several ? GROUP_COLORS[gi % GROUP_COLORS.length]! : '#d62728';
      const n = t.paths.length;
      g.strokeStyle = color;
      g.globalAlpha = Math.min(0.85, Math.max(0.1, 4 / Math.sqrt(Math.max(n, 1))));
      g.lineWidth = n > 200 ? 0.6 : n > 30 ? 0.9 : n > 3 ? 1.3 : 1.8;
      for (const path of t.paths) {
        const m = Math.max(1, Math.ceil(frac * path.length));
        g.beginPath();
        for (let i = 0; i < m; i++) { const [a, b] = X(path[i]!); if (i) g.lineTo(a, b); else g.moveTo(a, b); }
        g.stroke();
      }
      g.globalAlpha = 1;
      // the flow from p(0), growing with the paths
      if (t.flow.length) {
        g.strokeStyle = '#111';
        g.lineWidth = 2.5;
        g.beginPath();
        const m = Math.max(1, Math.ceil(frac * t.flow.length));
        for (let i = 0; i < m; i++) { const [a, b] = X(t.flow[i]!); if (i) g.lineTo(a, b); else g.moveTo(a, b); }
        g.stroke();
      }
      // start point
      if (t.paths[0]?.[0]) {
        const [a, b] = X(t.paths[0][0]);
        g.fillStyle = '#fff'; g.strokeStyle = '#111'; g.lineWidth = 1.5;
        g.beginPath(); g.arc(a, b, 4, 0, 2 * Math.PI); g.fill(); g.stroke();
      }
    });
    // legend
    g.font = '12px "DejaVu Sans", sans-serif';
    g.textAlign = 'left';
    g.textBaseline = 'middle';
    const ly0 = cssH - legendH + 10;
    for (const it of placed) {
      const ly = ly0 + it.row * 17;
      g.strokeStyle = it.color; g.lineWidth = 2.5;
      g.beginPath(); g.moveTo(it.x, ly); g.lineTo(it.x + 22, ly); g.stroke();
      g.fillStyle = '#333';
      g.fillText(it.text, it.x + 28, ly);
    }
    g.fillStyle = '#80868e';
    g.textAlign = 'center';
    this.shownLines = noteLines.map((text, i) => {
      g.fillText(text, cssW / 2, ly0 + (legendRows + i) * 17);
      const w = g.measureText(text).width;
      return { text, left: cssW / 2 - w / 2, right: cssW / 2 + w / 2 };
    });
    return busy;
  }
}
