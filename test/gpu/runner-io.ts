/**
 * The I/O every GPU runner subprocess shares: its request is the first command-line argument (JSON), its answer one
 * JSON line on stdout, after which it exits at once (Deno or Node; a WebGPU device left open would keep it alive).
 */
const g = globalThis as any;

export function requestArg(): any {
  const args: string[] = g.Deno ? g.Deno.args : g.process.argv.slice(2);
  return JSON.parse(args[0]!);
}

export async function printResult(result: unknown): Promise<void> {
  const text = JSON.stringify(result);
  if (g.Deno) {
    await g.Deno.stdout.write(new TextEncoder().encode(text + '\n'));
    g.Deno.exit(0);
  } else {
    g.process.stdout.write(text + '\n', () => g.process.exit(0));
  }
}
