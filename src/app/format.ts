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
  return String(Math.round(v * 1000) / 1000);
}

/** Seconds as "8.2 s", "3 min 20 s", "2 h 5 min", "3.1 days". */
export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '–';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  if (s < 86400 * 2) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
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
