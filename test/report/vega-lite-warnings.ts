/** The warnings vega-lite gives when compiling a spec (it prints them on stderr by default): tests expect none. */
import { compile, type TopLevelSpec } from 'vega-lite';

export function vegaLiteWarnings(spec: object): string[] {
  const out: string[] = [];
  const logger = {
    level: () => 2,
    warn: (...a: unknown[]) => { out.push(a.map(String).join(' ')); return logger; },
    error: (...a: unknown[]) => { out.push(`error: ${a.map(String).join(' ')}`); return logger; },
    info: () => logger,
    debug: () => logger,
  };
  compile(JSON.parse(JSON.stringify(spec)) as TopLevelSpec, { logger: logger as never });
  return out;
}
