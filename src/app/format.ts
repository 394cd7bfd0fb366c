/** Small helpers the page's modules share: element lookup and number, time and engine formatting. */
import { adapterName } from '../engines/index.ts';
import type { EngineInfo } from '../engines/types.ts';

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** 1234 → "1234", 12345 → "12.3 k", 4e7 → "40.0 M" (digits significant). */
export function fmtNum(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e12) return `${(v / 1e12).toPrecision(digits)} T`;
  if (a >= 1e9) return `${(v / 1e9).toPrecision(digits)} G`;
  if (a >= 1e6) return `${(v / 1e6).toPrecision(digits)} M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(digits)} k`;
  // below 10⁴: the same significant digits, not three decimals ("9076.139 copy-steps/s")
  return String(Number(v.toPrecision(Math.max(digits, Math.ceil(Math.log10(a + 1))))));
}

/** Seconds as "8.2 s", "3 min 20 s", "2 h 5 min", "3.1 days". */
export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '–';
  // Rounded to the unit shown first, then split (rounding the parts apart gave "1 min 60 s" for 119.6 s).
  if (s < 9.95) return `${s.toFixed(1)} s`;
  if (Math.round(s) < 60) return `${Math.round(s)} s`;
  if (Math.round(s) < 3600) { const r = Math.round(s); return `${Math.floor(r / 60)} min ${r % 60} s`; }
  if (Math.round(s / 60) < 60 * 48) { const m = Math.round(s / 60); return `${Math.floor(m / 60)} h ${m % 60} min`; }
  return `${(s / 86400).toPrecision(2)} days`;
}

/** A number with 4 significant digits, or "–". */
export function fmt(v: unknown, digits = 4): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : '–';
}

/** "WebGPU on SwiftShader …", "gpu.js, backend webgl2", "CPU reference engine (f64, in a worker)". */
export function engineLabel(info: EngineInfo): string {
  if (info.name === 'webgpu') return info.adapter ? `WebGPU on ${adapterName(info.adapter)}` : 'WebGPU';
  if (info.name === 'gpujs') return `gpu.js, backend ${info.adapter?.backend ?? '?'}`;
  return 'CPU reference engine (f64, in a worker)';
}

/** A file-name-safe form of a run's name. */
export function slug(s: unknown, fallback = 'experiment'): string {
  return String(s || fallback).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || fallback;
}
