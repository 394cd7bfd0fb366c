/**
 * What the model runners (test/gpu/<model>-runner.ts) share: read the request, resolve its scenario, create the
 * model's WebGPU engine (no adapter: an error), run it with the request's options, dispose of the engine whatever
 * happens, and print the JSON answer the runner makes of the result (or of each run of a batch).
 */
import { printResult, requestArg } from './runner-io.ts';

export interface RunnerEngine<S, R> {
  run(s: S, options: any): Promise<R>;
  dispose(): void;
}

export async function answerEngineRequest<S, R>(
  resolve: (scenario: unknown) => S, create: () => Promise<RunnerEngine<S, R> | null>, answer: (r: R) => unknown,
): Promise<void> {
  const req = requestArg();
  // { batch: [request, ...] }: the runs share one process and one engine (one Deno start, one adapter, pipelines
  // compiled once per shape); answered as { batch: [answer, ...] } in request order.
  const batch = Array.isArray(req.batch) ? (req.batch as { scenario: unknown; options?: object }[]) : null;
  const engine = await create();
  if (!engine) throw new Error('no WebGPU adapter');
  let result: unknown;
  try {
    if (batch) {
      const out: unknown[] = [];
      for (const r of batch) out.push(answer(await engine.run(resolve(r.scenario), r.options ?? {})));
      result = { batch: out };
    } else {
      result = answer(await engine.run(resolve(req.scenario), req.options ?? {}));
    }
  } finally {
    engine.dispose();
  }
  await printResult(result);
}

/** A typed array as a plain one for JSON (undefined stays undefined). */
export const plainArray = (x: ArrayLike<number> | undefined): number[] | undefined => (x ? Array.from(x) : undefined);
