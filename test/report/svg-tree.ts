/**
 * A minimal XML reader for the SVG vega writes: checks well-formedness (every tag closed, properly nested) and gives a
 * tree to count marks in. Enough for vega's output (no CDATA, no comments needed); not a general XML parser.
 */
export interface XmlNode {
  tag: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

export function parseXml(src: string): XmlNode {
  const s = src.replace(/<\?xml[\s\S]*?\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const root: XmlNode = { tag: '#root', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const re = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    const top = stack[stack.length - 1]!;
    if (m[6]) throw new Error(`stray '<' at ${m.index}`);
    if (m[5] !== undefined) { top.text += decode(m[5]); continue; }
    const [, close, tag, attrText, selfClose] = m;
    if (close) {
      if (top.tag !== tag) throw new Error(`</${tag}> closes <${top.tag}> at ${m.index}`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText!.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[a[1]!] = decode(a[2] ?? a[3] ?? '');
    const node: XmlNode = { tag: tag!, attrs, children: [], text: '' };
    top.children.push(node);
    if (!selfClose) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.tag}>`);
  if (root.children.length !== 1 || root.children[0]!.tag !== 'svg') throw new Error('document root is not a single <svg>');
  return root.children[0]!;
}

export function* walk(n: XmlNode): Generator<XmlNode> {
  yield n;
  for (const c of n.children) yield* walk(c);
}

/** Mark groups (`<g class="mark-TYPE role-ROLE[ NAME]">`) whose class has all the given words. */
export function groups(svg: XmlNode, ...words: string[]): XmlNode[] {
  return [...walk(svg)].filter((n) => n.tag === 'g' && words.every((w) => (n.attrs.class ?? '').split(/\s+/).includes(w)));
}

/** All text drawn, trimmed, in document order. */
export function texts(svg: XmlNode): string[] {
  return [...walk(svg)].filter((n) => n.tag === 'text' || n.tag === 'tspan').map((n) => n.text.trim()).filter(Boolean);
}

/** Vertices in an SVG path's d attribute (one per M or L command; vega writes lines as M…L…L…). */
export function pathVertexCount(d: string): number {
  return (d.match(/[ML]/g) ?? []).length;
}

/**
 * The tick labels of the X or Y axis that a picture shows, in document order: vega keeps labels it hid to avoid
 * overlap (labelOverlap) in the SVG as text with opacity 0, so the SVG's text alone is not what a PNG shows.
 */
export function visibleAxisLabels(svg: XmlNode, axis: 'X' | 'Y'): string[] {
  const axes = [...walk(svg)].filter((n) => n.tag === 'g' && (n.attrs['aria-label'] ?? '').startsWith(`${axis}-axis`));
  return axes.flatMap((a) => groups(a, 'role-axis-label'))
    .flatMap((g) => g.children.filter((t) => t.tag === 'text' && Number(t.attrs.opacity ?? '1') > 0).map((t) => t.text.trim()))
    .filter(Boolean);
}
