/**
 * The CLI's theory store (src/theory/theory-store.ts): solves kept as JSON files under
 * node_modules/.cache/stdp-mc/theory/, one per key, named by the SHA-256 of the key and of the contents of every
 * source file under src/theory/ (a change to any solver makes every earlier entry unreachable). A run, its shards,
 * their merge and `report` then solve each d = 3 start point once. STDP_MC_THEORY_CACHE=0 turns it off.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeNumbers, encodeNumbers } from '../core/json-numbers.ts';
import { setTheoryStore, type TheoryStore } from '../theory/theory-store.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const THEORY_SRC = join(ROOT, 'src/theory');
const DIR = join(ROOT, 'node_modules/.cache/stdp-mc/theory');

let version: string | null = null;

/** SHA-256 of the theory sources' names and contents. */
function codeVersion(): string {
  if (version) return version;
  const h = createHash('sha256');
  for (const f of readdirSync(THEORY_SRC).filter((x) => x.endsWith('.ts')).sort()) {
    h.update(`${f}\0`);
    h.update(readFileSync(join(THEORY_SRC, f)));
  }
  version = h.digest('hex');
  return version;
}

function fileOf(key: string): string {
  return join(DIR, `${createHash('sha256').update(codeVersion()).update('\0').update(key).digest('hex').slice(0, 32)}.json`);
}

export const fileTheoryStore: TheoryStore = {
  get(key) {
    let text: string;
    try {
      text = readFileSync(fileOf(key), 'utf8');
    } catch {
      return undefined;
    }
    const o = JSON.parse(text) as { key: string; value: unknown };
    // The key is stored beside the value: a hash collision (or a foreign file) is a miss, not a wrong answer.
    return o.key === key ? decodeNumbers(o.value) : undefined;
  },
  set(key, value) {
    mkdirSync(DIR, { recursive: true });
    const file = fileOf(key), tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ key, value: encodeNumbers(value) }));
    renameSync(tmp, file);
  },
};

/** Install the file store unless STDP_MC_THEORY_CACHE=0, or the package folder has no node_modules to hold it. */
export function installTheoryStore(): void {
  if (process.env.STDP_MC_THEORY_CACHE === '0') return;
  try {
    readdirSync(join(ROOT, 'node_modules'));
  } catch {
    return;
  }
  setTheoryStore(fileTheoryStore);
}
