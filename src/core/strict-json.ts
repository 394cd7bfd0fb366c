/**
 * JSON read strictly, for files a user hands the command line (experiment files): a key given twice in one object,
 * nesting deeper than a limit and files larger than a limit are refused, each on one line that says where. JSON.parse
 * keeps the last of two equal keys silently, recurses without bound, and reads a file of any size into memory.
 *
 * The parser keeps an explicit stack (no recursion), so a 100 000-deep `[[[[…` ends in a refusal at the depth limit,
 * never in a stack overflow. Values are exactly JSON.parse's: numbers through Number() of the same literal, strings
 * decoded by JSON.parse of the same token, a "__proto__" key an own property. Every refusal is a ScenarioError with one
 * issue: the JSON path of the offending place (or the file, for its size), and the rule with the line and column.
 */
import { ScenarioError, formatPath } from './errors.ts';

/** Nesting of arrays and objects an input may have (an experiment file needs a handful). */
export const MAX_JSON_DEPTH = 64;

/** Bytes an input file may have (the shipped experiment files are a few kilobytes). */
export const MAX_JSON_FILE_BYTES = 16_000_000;

/** A size as the refusals state it: megabytes (10⁶ bytes) from 1 MB on, bytes below. */
function size(bytes: number): string {
  return bytes >= 1e6 ? `${Number((bytes / 1e6).toPrecision(3))} MB` : `${bytes} bytes`;
}

export interface StrictJsonOptions {
  /** Deepest nesting of arrays and objects (default MAX_JSON_DEPTH). */
  maxDepth?: number;
  /** What the text is, for messages (a file name). */
  source?: string;
}

interface Frame {
  container: Record<string, unknown> | unknown[];
  /** The key (objects) or index (arrays) of the value being read in this container. */
  at: string | number;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function describeChar(text: string, i: number): string {
  if (i >= text.length) return 'the end of the text';
  const c = text.codePointAt(i)!;
  return c < 0x20 || c === 0x7f ? `character U+${c.toString(16).toUpperCase().padStart(4, '0')}` : `'${String.fromCodePoint(c)}'`;
}

/** Parse `text` as JSON, refusing duplicate keys and nesting deeper than `maxDepth`; throws a one-line ScenarioError. */
export function parseStrictJson(text: string, o: StrictJsonOptions = {}): unknown {
  const maxDepth = o.maxDepth ?? MAX_JSON_DEPTH;
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark some editors write
  const stack: Frame[] = [];

  const fail = (message: string, at = i, path: (string | number)[] = stack.map((f) => f.at)): never => {
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    const where = `line ${line}, column ${column}${o.source ? ` of ${o.source}` : ''}`;
    const shown = path.length > 12 ? `${formatPath(path.slice(0, 12))}…` : formatPath(path);
    throw new ScenarioError([{ path: shown, message: `${message} (${where})` }]);
  };
  const ws = () => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    }
  };
  const readString = (): string => {
    if (text[i] !== '"') fail(`expected a string in double quotes, found ${describeChar(text, i)}`);
    const start = i;
    let escaped = false;
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) { escaped = true; i++; continue; }
      if (c < 0x20) fail(`unescaped ${describeChar(text, i)} inside a string`);
    }
    if (i >= n) fail('unterminated string', start);
    i++;
    if (!escaped) return text.slice(start + 1, i - 1);
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('invalid escape sequence in a string', start);
    }
  };
  const readScalar = (): unknown => {
    const c = text[i];
    if (c === '"') return readString();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) { i += word.length; return value; }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail(i >= n ? 'unexpected end of the text: a value is missing' : `unexpected ${describeChar(text, i)}: expected a value`);
    i += m[0].length;
    return Number(m[0]);
  };
  /** Read the key of an object's next member and its colon; refuses a key the object already has. */
  const readKey = (frame: Frame) => {
    ws();
    const keyAt = i;
    if (text[i] !== '"') fail(`expected a key in double quotes, found ${describeChar(text, i)}`, i, stack.slice(0, -1).map((f) => f.at));
    const key = readString();
    frame.at = key;
    if (Object.prototype.hasOwnProperty.call(frame.container, key)) fail('duplicate key', keyAt);
    ws();
    if (text[i] !== ':') fail(`expected ':' after the key, found ${describeChar(text, i)}`);
    i++;
  };

  for (;;) {
    ws();
    let value: unknown;
    const c = text[i];
    if (c === '{' || c === '[') {
      if (stack.length >= maxDepth) fail(`nesting deeper than ${maxDepth} levels of arrays and objects`);
      i++;
      const frame: Frame = { container: c === '{' ? {} : [], at: 0 };
      stack.push(frame);
      ws();
      if (text[i] !== (c === '{' ? '}' : ']')) {
        if (c === '{') readKey(frame);
        continue; // read the first member's value
      }
      i++;
      value = stack.pop()!.container;
    } else {
      value = readScalar();
    }
    // Store the value in its container, then close every container that ends here.
    for (;;) {
      const top = stack[stack.length - 1];
      if (!top) {
        ws();
        if (i < n) fail(`unexpected ${describeChar(text, i)} after the end of the JSON value`, i, []);
        return value;
      }
      if (Array.isArray(top.container)) top.container.push(value);
      else if (top.at === '__proto__') Object.defineProperty(top.container, '__proto__', { value, enumerable: true, writable: true, configurable: true });
      else top.container[top.at as string] = value;
      ws();
      const close = Array.isArray(top.container) ? ']' : '}';
      if (text[i] === ',') {
        i++;
        if (Array.isArray(top.container)) top.at = top.container.length;
        else readKey(top);
        break; // read the next member's value
      }
      if (text[i] !== close) fail(`expected ',' or '${close}', found ${describeChar(text, i)}`);
      i++;
      value = stack.pop()!.container;
    }
  }
}

/** One refusal about a file as a whole (its path stands where a JSON path would). */
function fileError(file: string, message: string): ScenarioError {
  return new ScenarioError([{ path: file, message }]);
}

function ioError(file: string, operation: string, e: unknown): ScenarioError {
  const err = e as NodeJS.ErrnoException;
  return fileError(file, `cannot ${operation} the file (${err.code ?? 'error'}: ${String(err.message ?? e).replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')})`);
}

/**
 * Read a JSON file strictly: its size is checked (stat) before it is read, a special file that reports no size is read
 * only up to the limit, the bytes must be UTF-8, and the text goes through parseStrictJson.
 */
export async function readStrictJsonFile(file: string, o: { maxBytes?: number; maxDepth?: number } = {}): Promise<unknown> {
  const maxBytes = o.maxBytes ?? MAX_JSON_FILE_BYTES;
  const fs = await import('node:fs/promises');
  const tooLarge = (what: string) => fileError(file, `${what} the limit of ${size(maxBytes)} for a JSON file`);
  let st: Awaited<ReturnType<typeof fs.stat>>;
  try {
    st = await fs.stat(file);
  } catch (e) {
    throw ioError(file, 'stat', e);
  }
  if (st.isDirectory()) throw fileError(file, 'is a folder, not a JSON file');
  if (st.size > maxBytes) throw tooLarge(`is ${size(st.size)}${st.size >= 1e6 ? ` (${st.size} bytes)` : ''}, larger than`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let handle: Awaited<ReturnType<typeof fs.open>> | null = null;
  try {
    handle = await fs.open(file, 'r');
    for (;;) {
      const buf = new Uint8Array(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooLarge('holds more than');
    }
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    throw ioError(file, handle ? 'read' : 'open', e);
  } finally {
    await handle?.close().catch(() => undefined);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fileError(file, 'is not UTF-8 text');
  }
  return parseStrictJson(text, { maxDepth: o.maxDepth, source: file });
}
