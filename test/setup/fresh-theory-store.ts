/**
 * Before each test file: no theory store installed. The files share their worker's modules (vite.config.ts, isolate:
 * false), and an in-process CLI run installs the file store (src/cli/theory-store.ts) for whatever runs after it in
 * that worker; each file starts as in a process of its own.
 */
import { beforeAll } from 'vitest';
import { setTheoryStore } from '../../src/theory/theory-store.ts';

beforeAll(() => setTheoryStore(null));
