/**
 * The browser page in real Chromium (playwright-core driving /usr/bin/chromium; no browser is downloaded): the page is
 * built with `vite build` (kept for the next run while nothing it is built from changes: builtPage in serve.ts;
 * STDP_MC_PAGE_BUILD_CACHE=0 builds afresh) and served on 127.0.0.1 by a tiny Node server. Two browsers, each
 * started once: one with Chromium's WebGPU flags, one without, whose tab every other test loads afresh (a new
 * document, so no state is shared; a tab's first load costs about twice a later one; the preset test opens two more
 * tabs). Once the page is built, the CLI's reference runs and the WebGPU run (in its own browser) start and go on beside
 * the tests; the WebGPU run's test, the last, checks it.
 *
 *  - WebGPU on SwiftShader (Chromium's WebGPU flags): the quickstart preset at N = 1000 runs to the end, and the
 *    summary read from the page has the CLI's counts (`--engine webgpu`, Dawn on SwiftShader, same seed) at every
 *    checkpoint; the plots are drawn and not empty; a 1280×720 screenshot goes to test-output/app/.
 *  - WebGPU disabled (no flags): the quickstart preset (N = 1000 in 3 batches: gpu.js compiles its kernels once per
 *    batch, which is most of its cost) falls back (gpu.js on webgl2, or the CPU engine), says so, pauses and resumes,
 *    and its success probability agrees within 4 standard errors with the CLI's run of the preset itself (N = 20000,
 *    the CPU reference engine).
 *  - An invalid field shows its error next to the field and starts nothing; a started run can be cancelled.
 *  - Every model runs through the same worker path: the spiking network preset (JSON panel, CPU engine) pauses and
 *    resumes between batches and has exactly the CLI's numbers (the same f64 code), draws its plots, and a bad field
 *    in its JSON is refused with the field named.
 *  - Every preset shows its description and a cost estimate (work in the model's unit, time from a calibration run);
 *    a run estimated above a minute asks first; the custom experiment's command names a schema file that exists.
 *  - A bad ?exp= or ?preset= URL leaves a notice that stays while the form is edited.
 *  - "Download all" gives one zip named after the run whose entries are the files the CLI writes (state.jsonl aside,
 *    the CLI's resumable state log).
 *  - The JSON panel and its copies and seed fields agree: an edit of either shows in the other and is what the command
 *    line, the cost and the run use. The natural-gradient plots (faceted) are drawn at full size in their panels, with
 *    no vega warning and no NaN in their SVG, also where learners start below the KL threshold (time 0, which its log
 *    axis cannot show).
 *  - The preset menu holds every shipped experiment (experiments/*.json); the rare-event preset, reduced, runs on the
 *    page with exactly the CLI's estimates (CPU engine).
 *  - The chain's simplex panel before a run: its text fits inside the canvas and says what applies to the number of
 *    sample paths kept.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { strFromU8, unzipSync } from 'fflate';
import { builtPage, serveDir } from './serve.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.STDP_MC_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-output', 'app');
/**
 * Copies of the WebGPU run (page and CLI): every count is compared exactly, so an N below the preset's loses nothing but
 * time. At least 10 × keepPaths (the run's 10 batches): the WebGPU engine keeps sample paths from its first batch of
 * copies only, so with batches smaller than keepPaths it keeps (and the simplex draws) fewer than the 100 checked below.
 */
const N = 1000;
/**
 * The fallback run: its success probability is compared within 4 standard errors with the CLI's at the preset's N
 * (20000), which at p ≈ 0.98 is ±0.018, as 2000 against 2000 copies was (±0.0177). Three batches: gpu.js compiles its
 * kernels for each batch (about 0.5 s each here), and a pause needs a batch after it.
 */
const N_FALLBACK = 1000;
const FALLBACK_BATCHES = 6;
const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader',
  '--enable-unsafe-swiftshader',
];
const COMMON_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let tmp = '';
let server: Awaited<ReturnType<typeof serveDir>> | null = null;
/** The CLI's runs the page is compared with, started in beforeAll (each awaited by its test). */
const cli: Record<'webgpu' | 'reference' | 'spiking' | 'rare', Promise<any>> = {} as any;
/** Copies of the spiking run (page and CLI, compared exactly): enough that a pause comes before its last batch. */
const SPIKING_N = 512;
/**
 * The rare-failure preset reduced to a few seconds (64 particles, 4 replicates, α = 0.05 at d = 2 and d = 3), run on
 * the page and by the CLI (CPU engine: the same f64 code, so the same estimates).
 */
function rareSmall(): Record<string, any> {
  const { $schema: _, ...j } = JSON.parse(readFileSync(join(ROOT, 'experiments/rare-failure.json'), 'utf8'));
  return { ...j, rareEvent: { ...j.rareEvent, particles: 64, replicates: 4 }, sweep: { ...j.sweep, alpha: [0.05] } };
}
/** Chromium with the WebGPU flags, and without (the tab every other test reuses). */
let webgpuBrowser: Promise<Browser>;
let plainBrowser: Promise<Browser>;
let plainTab: Promise<Tab> | null = null;
/** The quickstart preset run to its end on WebGPU, started in beforeAll; its test (the last) checks it. */
let webgpuRun: Promise<{ b: Browser; page: Page; errors: string[]; s: any }>;
const browsers: Promise<Browser>[] = [];

/**
 * The CLI's summary (--json) for an experiment file on an engine (N from the file unless given); its files (summary,
 * CSV, plots, report, unless --no-report is among `extra`) are written to `out`.
 */
function runCli(out: string, file: string, engine: string, n: number | null, extra: string[] = []): Promise<any> {
  const p = new Promise((ok, fail) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/stdp-mc.js'), 'run', file, '--engine', engine,
      ...(n === null ? [] : ['--trajectories', String(n)]), '--json', '--out', out, '--force', ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let so = '', se = '';
    p.stdout.on('data', (d) => (so += d));
    p.stderr.on('data', (d) => (se += d));
    p.on('error', fail);
    p.on('close', (code) => (code === 0 ? ok(JSON.parse(so)) : fail(new Error(`CLI exited ${code}: ${se}`))));
  });
  p.catch(() => { /* awaited in the tests */ });
  return p;
}

function launch(flags: string[]): Promise<Browser> {
  const b = chromium.launch({ executablePath: CHROMIUM, args: [...flags, ...COMMON_FLAGS] });
  b.catch(() => { /* awaited in the tests */ });
  browsers.push(b);
  return b;
}

/** A tab whose page errors (and requests off the page's origin) are collected in `errors`, reset for each test. */
interface Tab { page: Page; errors: string[] }

async function newTab(b: Browser): Promise<Tab> {
  const page = await b.newPage({ viewport: { width: 1280, height: 720 } });
  const tab: Tab = { page, errors: [] };
  page.on('pageerror', (e) => tab.errors.push(e.message));
  // nothing but the page's own origin may be fetched (the page works offline once loaded)
  await page.route((url) => !url.href.startsWith(server!.url) && !url.protocol.startsWith('data') && !url.protocol.startsWith('blob'), (r) => {
    tab.errors.push(`network request to ${r.request().url()}`);
    return r.abort();
  });
  return tab;
}

/** Load the page at `?query` in the tab (a new document: nothing of an earlier one is left), ready to run. */
async function load(tab: Tab, query: string): Promise<{ page: Page; errors: string[] }> {
  await tab.page.goto('about:blank'); // the earlier document is gone: its errors cannot land in this one's list
  tab.errors = [];
  await tab.page.goto(`${server!.url}?${query}`);
  await tab.page.waitForSelector('body[data-state="ready"]');
  return { page: tab.page, errors: tab.errors };
}

/** The page in the tab of the browser without WebGPU (started once, shared by the tests one after another). */
async function openPage(query: string): Promise<{ page: Page; errors: string[] }> {
  plainTab ??= plainBrowser.then(newTab);
  return load(await plainTab, query);
}

/** Click Start; a run estimated above a minute asks first: say yes. */
async function start(page: Page): Promise<void> {
  await page.click('#btn-start');
  await page.waitForFunction(() => document.body.dataset.state !== 'estimating', undefined, { timeout: 30_000 });
  if (await page.getAttribute('body', 'data-state') === 'confirming') await page.click('#btn-confirm-start');
}

/** "Download all": the zip's name and its entries (name → bytes). */
async function downloadAll(page: Page): Promise<{ name: string; entries: Record<string, Uint8Array> }> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#btn-download-all')]);
  const file = join(tmp, dl.suggestedFilename());
  await dl.saveAs(file);
  return { name: dl.suggestedFilename(), entries: unzipSync(new Uint8Array(readFileSync(file))) };
}

/**
 * The files of a CLI run that the page's zip holds too: not the state log and its blocks (the page runs no resumable
 * state), nor the list of the report's files (.stdp-mc-report.json, what --force removes).
 */
function cliFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f !== 'state.jsonl' && f !== 'state.blocks' && f !== '.stdp-mc-report.json').sort();
}

async function runToEnd(page: Page, timeout = 150_000): Promise<any> {
  await start(page);
  await page.waitForSelector('body[data-state="done"], body[data-state="failed"]', { timeout });
  expect(await page.getAttribute('body', 'data-state'), await page.textContent('#run-state') ?? '').toBe('done');
  return JSON.parse((await page.textContent('#summary-json'))!);
}

/** Plots drawn: vega SVGs with marks, and a simplex canvas with paths on it (coloured pixels). */
async function plotStats(page: Page) {
  return page.evaluate(() => {
    const marks = (id: string) => document.querySelectorAll(`#${id} .vega svg path`).length;
    const c = document.getElementById('simplex') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let red = 0, dark = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i]! > 150 && d[i + 1]! < 120 && d[i + 2]! < 120) red++;
      if (d[i]! < 60 && d[i + 1]! < 60 && d[i + 2]! < 60) dark++;
    }
    return { logGap: marks('plot-log-gap'), successVsStep: marks('plot-success-vs-step'), red, dark, paths: (globalThis as any).stdpMc.simplexPaths };
  });
}

/**
 * The plots once drawn: polled until `drawn` holds and the simplex has stopped changing (its reveal animation, 1.6 s
 * after the last paths came, has ended), or 10 s have passed; the caller asserts on what it returns.
 */
async function settledPlots(page: Page, drawn: (st: Awaited<ReturnType<typeof plotStats>>) => boolean) {
  const until = Date.now() + 10_000;
  let last = await plotStats(page);
  for (;;) {
    await page.waitForTimeout(150);
    const st = await plotStats(page);
    if ((drawn(st) && st.red === last.red && st.dark === last.dark) || Date.now() > until) return st;
    last = st;
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: run "node scripts/ensure-system-deps.mjs" (apt-get install chromium)`);
  }
  tmp = mkdtempSync(join(tmpdir(), 'stdp-mc-app-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  // The browsers start with the build; the CLI's runs once it is done (the tests wait for the build, not for them),
  // beside the tests, each awaited by the test that needs it.
  webgpuBrowser = launch(WEBGPU_FLAGS);
  plainBrowser = launch([]);
  const page = await builtPage(ROOT, join(tmp, 'app'));
  expect(existsSync(join(page.dir, 'index.html'))).toBe(true);
  cli.webgpu = runCli(join(tmp, 'cli'), 'experiments/quickstart.json', 'webgpu', N);
  cli.reference = runCli(join(tmp, 'cli-reference'), 'experiments/quickstart.json', 'cpu', null, ['--no-report']);
  cli.spiking = runCli(join(tmp, 'cli-spiking'), 'experiments/spiking-vs-chain.json', 'cpu', SPIKING_N);
  writeFileSync(join(tmp, 'rare-small.json'), JSON.stringify(rareSmall()));
  cli.rare = runCli(join(tmp, 'cli-rare'), join(tmp, 'rare-small.json'), 'cpu', null, ['--no-report']);
  server = await serveDir(page.dir);
  // The WebGPU run has a browser of its own: it runs beside the other tests, and the last test checks it.
  webgpuRun = (async () => {
    const b = await webgpuBrowser;
    const tab = await load(await newTab(b), `preset=quickstart&trajectories=${N}&engine=webgpu`);
    return { b, ...tab, s: await runToEnd(tab.page) };
  })();
  webgpuRun.catch(() => { /* awaited in its test */ });
}, 180_000);

afterAll(async () => {
  for (const b of browsers) await b.then((x) => x.close()).catch(() => {});
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('browser page (Chromium)', () => {
  it('falls back without WebGPU, says so, pauses and resumes, and agrees with the CLI within 4 standard errors', async () => {
    const preset = JSON.parse(readFileSync(join(ROOT, 'experiments/quickstart.json'), 'utf8'));
    const exp = structuredClone(preset);
    exp.scenario.trajectories = N_FALLBACK;
    exp.batches = FALLBACK_BATCHES;
    const { page, errors } = await openPage(`exp=${encodeURIComponent(JSON.stringify(exp))}&engine=webgpu`);
    expect(await page.inputValue('#f-trajectories')).toBe(String(N_FALLBACK));
    expect(await page.inputValue('#f-batches')).toBe(String(FALLBACK_BATCHES));
    await start(page);
    // Pause once it runs: the batch in flight ends, and the run waits with batches still to come (6 batches: pausing
    // only after a batch's results are shown could come too late under load, and a pause that reaches the last batch
    // has nothing left to hold).
    await page.waitForSelector('body[data-state="running"]', { timeout: 60_000 });
    await page.click('#btn-pause');
    await page.waitForSelector('body[data-state="paused"]', { timeout: 60_000 });
    expect(await page.textContent('#result-line')).toMatch(/so far .* over [\d,]+ trajectories/);
    const frozen = await page.textContent('#progress-text');
    expect(frozen).toMatch(/ · paused$/); // no ETA counting down while nothing runs
    const copiesAtPause = Number(new RegExp(`^trajectories ([\\d,]+) / ${N_FALLBACK.toLocaleString('en')} `).exec(frozen!)?.[1]?.replace(/,/g, ''));
    expect(copiesAtPause, frozen!).toBeGreaterThan(0);
    expect(copiesAtPause, frozen!).toBeLessThan(N_FALLBACK);
    await page.waitForTimeout(700);
    expect(await page.textContent('#progress-text')).toBe(frozen);
    await page.click('#btn-pause'); // now "Resume"
    await page.waitForSelector('body[data-state="done"], body[data-state="failed"]', { timeout: 150_000 });
    expect(await page.getAttribute('body', 'data-state')).toBe('done');
    const s = JSON.parse((await page.textContent('#summary-json'))!);
    expect(['gpujs', 'cpu']).toContain(s.engine.name);
    expect(s.engine.reason).toMatch(/WebGPU was requested but .*(no WebGPU adapter|navigator\.gpu)/);
    // what the verdicts rest on is on the page, not only in tooltips: the allowance under a verdict, and the legend
    const view = (await page.textContent('#summary-view'))!;
    expect(view).toMatch(/agrees\s*within allowance ±[\d.]+ = 2α/);
    expect(view).toContain('agrees: the theory value lies inside the empirical interval');
    expect(await page.getAttribute('#engine-line', 'class')).toContain('fallback');
    expect(s.final.trajectories).toBe(N_FALLBACK);
    const c = await cli.reference; // the preset itself (N = 20000) on the CPU reference engine
    expect(c.final.trajectories).toBe(preset.scenario.trajectories);
    const p1 = s.final.successProbability, p2 = c.final.successProbability;
    const se = Math.sqrt((p1 * (1 - p1)) / s.final.trajectories + (p2 * (1 - p2)) / c.final.trajectories);
    writeFileSync(join(ARTIFACTS, 'fallback.json'), JSON.stringify({
      engine: s.engine.name, backend: s.engine.adapter?.backend ?? null, reason: s.engine.reason,
      browser: p1, browserN: s.final.trajectories, cli: p2, cliN: c.final.trajectories, cliEngine: c.engine.name, se, z: (p1 - p2) / se,
    }, null, 2));
    expect(Math.abs(p1 - p2)).toBeLessThanOrEqual(4 * se);
    const st = await settledPlots(page, (x) => x.paths === 100 && x.logGap > 5);
    expect(st.paths).toBe(100);
    expect(st.logGap).toBeGreaterThan(5);
    await page.screenshot({ path: join(ARTIFACTS, 'quickstart-fallback-1280x720.png') });
    expect(errors).toEqual([]);
  });

  it('shows an invalid field\'s error next to it and starts nothing; a started run can be cancelled', async () => {
    const { page, errors } = await openPage('preset=quickstart&trajectories=100000&engine=cpu');
    await page.fill('#f-alpha', '2');
    await expect.poll(() => page.isVisible('#err-alpha')).toBe(true);
    expect(await page.textContent('#err-alpha')).toContain('alpha × noise.halfWidth = 2 must be < 1');
    expect(await page.getAttribute('#f-alpha', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#cost-work')).toBe('fix the experiment to see its cost');
    expect(await page.isHidden('#cost-sep')).toBe(true); // no stray "·" after it
    expect(await page.textContent('#run-state')).toBe('Ready');
    await page.click('#btn-start');
    // Start answers at once (before any await) when a field is invalid: the state line says so, and nothing is pending
    await expect.poll(() => page.textContent('#run-state')).toMatch(/Not started/);
    expect(await page.getAttribute('body', 'data-state')).toBe('ready');
    expect(await page.textContent('#engine-line')).toBe('Engine: not started');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-alpha');
    // a list entry that is not a number, named by its index
    await page.fill('#f-alpha', '0.01');
    await expect.poll(() => page.textContent('#run-state')).toBe('Ready');
    await page.fill('#f-rates', '10, -1, 5');
    await expect.poll(() => page.textContent('#err-rates')).toContain('scenario.rates[1]: must be > 0');
    await page.fill('#f-rates', '10, 7.5, 5');
    await expect.poll(() => page.isVisible('#err-rates')).toBe(false);
    // edited into another experiment, the preset's description is said to be the preset's
    await page.fill('#f-alpha', '0.02');
    await expect.poll(() => page.textContent('#exp-description')).toMatch(/^Edited from the preset “quickstart”; its description, which may no longer fit: Does Hebbian STDP/);
    await page.fill('#f-alpha', '0.01');
    await expect.poll(() => page.textContent('#exp-description')).toMatch(/^Does Hebbian STDP/);
    // a d the lists cannot take is said under it (it was ignored, and Start ran with the old d)
    await page.fill('#f-d', '1');
    await expect.poll(() => page.textContent('#err-d')).toContain('must be a whole number from 2 to 64 (the number of inputs), got 1');
    expect(await page.inputValue('#f-rates')).toBe('10, 7.5, 5');
    await page.fill('#f-d', '3');
    await expect.poll(() => page.isVisible('#err-d')).toBe(false);
    // the extensions: an asymmetric Γ is refused under the Γ field
    await page.click('#extensions summary');
    await page.fill('#f-gamma', '[[1, 0.2, 0], [0.3, 1, 0], [0, 0, 1]]');
    await expect.poll(() => page.textContent('#err-gamma')).toContain('Γ must be symmetric');
    await page.fill('#f-gamma', '');
    await expect.poll(() => page.isVisible('#err-gamma')).toBe(false);
    // still nothing started by the refused click (checked again after the edits above)
    expect(await page.getAttribute('body', 'data-state')).toBe('ready');
    expect(await page.textContent('#engine-line')).toBe('Engine: not started');
    // cancel
    await start(page);
    await page.waitForSelector('body[data-state="running"]', { timeout: 30_000 });
    await page.click('#btn-cancel');
    await page.waitForSelector('body[data-state="cancelled"]', { timeout: 10_000 });
    expect(await page.isEnabled('#btn-start')).toBe(true);
    expect(errors).toEqual([]);
  });

  it('runs a non-chain preset (spiking network) on the same path: pauses and resumes, the CLI\'s numbers, one zip of the CLI\'s files; refuses a bad field', async () => {
    const n = SPIKING_N;
    const { page, errors } = await openPage(`preset=spiking-vs-chain&trajectories=${n}&engine=cpu`);
    expect(await page.isVisible('#model-fields')).toBe(true);
    expect(await page.isVisible('#chain-fields')).toBe(false);
    expect(await page.inputValue('#f-m-trajectories')).toBe(String(n));
    expect(await page.textContent('#cli-command')).toBe(`npx stdp-mc run experiments/spiking-vs-chain.json --engine cpu --trajectories ${n} --force`);
    expect(await page.isDisabled('#btn-pause')).toBe(true);
    // pause between batches and resume, as for the chain; progress in the model's own units
    await start(page);
    await page.waitForSelector('body[data-state="running"]', { timeout: 30_000 });
    await page.click('#btn-pause');
    await page.waitForSelector('body[data-state="paused"]', { timeout: 60_000 });
    const frozen = await page.textContent('#progress-text');
    expect(frozen).toMatch(/trajectories \d+ \/ 512 · trajectory-steps .* \/ 1\.02 M/);
    const copiesAtPause = Number(/trajectories (\d+) \//.exec(frozen!)![1]);
    expect(copiesAtPause).toBeGreaterThan(0);
    expect(copiesAtPause).toBeLessThan(n);
    await page.waitForTimeout(700);
    expect(await page.textContent('#progress-text')).toBe(frozen);
    await page.screenshot({ path: join(ARTIFACTS, 'spiking-paused-1280x720.png') });
    await page.click('#btn-pause'); // now "Resume"
    await page.waitForSelector('body[data-state="done"], body[data-state="failed"]', { timeout: 120_000 });
    expect(await page.getAttribute('body', 'data-state'), await page.textContent('#run-state') ?? '').toBe('done');
    const s = JSON.parse((await page.textContent('#summary-json'))!);
    const c = await cli.spiking;
    expect(s.model).toBe('spiking');
    expect(s.engine.name).toBe('cpu');
    const counts = (x: any) => x.points[0].checkpoints.map((k: any) => [k.step, k.spikes, k.chain.successCount, k.chain.vertexCounts]);
    expect(counts(s)).toEqual(counts(c));
    expect(s.points[0].checkpoints.at(-1).chain.trajectories).toBe(n);
    await page.waitForFunction(() => document.querySelectorAll('#extra-plots .vega svg').length >= 3, undefined, { timeout: 30_000 });
    const marks = await page.evaluate(() => document.querySelectorAll('#extra-plots .vega svg path').length);
    expect(marks).toBeGreaterThan(10);
    expect(await page.textContent('#summary-view')).toMatch(/triggering frequency of input 1/);
    await page.screenshot({ path: join(ARTIFACTS, 'spiking-model-1280x720.png'), fullPage: true });
    // "Download all": one zip named after the run with the CLI's files
    const zip = await downloadAll(page);
    expect(zip.name).toMatch(/^spiking-vs-chain-cpu-\d{8}-\d{6}\.zip$/);
    expect(Object.keys(zip.entries).sort()).toEqual(cliFiles(join(tmp, 'cli-spiking')));
    expect(counts(JSON.parse(strFromU8(zip.entries['summary.json']!)))).toEqual(counts(c));
    expect(strFromU8(zip.entries['report.html']!)).toContain('<svg');
    expect([...zip.entries['increment-law.png']!.slice(1, 4)].map((x) => String.fromCharCode(x)).join('')).toBe('PNG');
    // a bad field in the JSON: named, and nothing starts
    const bad = JSON.parse(await page.inputValue('#f-model-json'));
    bad.scenario.alpha = -0.01;
    await page.fill('#f-model-json', JSON.stringify(bad, null, 2));
    await expect.poll(() => page.isVisible('#err-model')).toBe(true);
    expect(await page.textContent('#err-model')).toContain('alpha');
    expect(await page.textContent('#run-state')).not.toMatch(/Not started/); // "Finished": the refusal below is new
    await page.click('#btn-start');
    await expect.poll(() => page.textContent('#run-state')).toMatch(/Not started/);
    expect(await page.getAttribute('body', 'data-state')).toBe('ready');
    expect(errors).toEqual([]);
  });

  it('every preset shows its description and a cost estimate; a run above a minute asks first; a custom experiment\'s command names a schema file that exists', async () => {
    const { page, errors } = await openPage('preset=quickstart');
    const ids = await page.$$eval('#f-preset option', (os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    // "Presets load the shipped experiments/*.json" (README): every one of them
    expect([...ids].sort()).toEqual(readdirSync(join(ROOT, 'experiments')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort());
    const seen: Record<string, string> = {};
    const check = async (page: Page, id: string) => {
      const file = JSON.parse(readFileSync(join(ROOT, 'experiments', `${id}.json`), 'utf8'));
      await page.selectOption('#f-preset', id);
      await expect.poll(() => page.textContent('#exp-name'), { message: id }).toBe(file.name);
      expect(await page.textContent('#exp-description'), id).toBe(file.description);
      expect(await page.isVisible('#exp-description'), id).toBe(true);
      expect(await page.textContent('#cost-work'), id).toMatch(/^[\d.]+( [kMGT])? [a-z]+-steps \((\d[\d,]* [a-z]+ × [\d.]+( [kMGT])? steps each|\d+ grid points, [\d,]+ [a-z]+ in all)\)$/);
      await page.waitForFunction(() => document.getElementById('cost-time')?.dataset.state !== 'pending', undefined, { timeout: 30_000 });
      const time = (await page.textContent('#cost-time'))!;
      expect(time, id).toMatch(/^(about|more than) [\d.]+ (s|min|h|days)\b.* on .*\(calibrated: (under )?[\d.]+( [kMGT])? [a-z]+-steps\/s( \+ .+ per batch)?\)$/);
      seen[id] = `${await page.textContent('#cost-work')} · ${time}`;
    };
    // Three tabs take the presets from one queue: a calibration runs for a set time (its budget) and starts 0.3 s
    // after the preset is shown, so more tabs wait less for the same work. The second tab opens on the
    // natural-gradient preset (the longest calibration), whose estimate, kept there, is what Start reads below; the
    // third on the queue's last preset.
    const natgrad = 'natural-gradient-fig3';
    expect(ids).toContain(natgrad);
    const queue = ids.filter((id) => id !== natgrad);
    const last = queue.pop()!;
    const drain = async (page: Page) => { for (let id = queue.shift(); id; id = queue.shift()) await check(page, id); };
    const b = await plainBrowser;
    const [other, third] = await Promise.all([load(await newTab(b), `preset=${natgrad}`), load(await newTab(b), `preset=${last}`)]);
    try {
      await Promise.all([drain(page), check(other.page, natgrad).then(() => drain(other.page)), check(third.page, last).then(() => drain(third.page))]);
      expect(Object.keys(seen).sort()).toEqual([...ids].sort());
      writeFileSync(join(ARTIFACTS, 'preset-costs.json'), JSON.stringify(Object.fromEntries(ids.map((id) => [id, seen[id]])), null, 2));
      // the natural-gradient Figure 3 preset (≈10^11 learner-steps) asks before it starts; "Not now" starts nothing
      const p2 = other.page;
      await p2.selectOption('#f-preset', natgrad);
      await p2.waitForFunction(() => document.getElementById('cost-time')?.dataset.state === 'done', undefined, { timeout: 30_000 });
      expect(await p2.textContent('#cost-work')).toMatch(/^96\.0 G learner-steps/);
      await p2.click('#btn-start');
      await p2.waitForSelector('body[data-state="confirming"]', { timeout: 30_000 });
      expect(await p2.textContent('#confirm-text')).toMatch(/estimated to take (about|more than) .*(min|h|days).* Start it anyway\?/);
      await p2.screenshot({ path: join(ARTIFACTS, 'natgrad-asks-1280x720.png') });
      await p2.click('#btn-confirm-cancel');
      await p2.waitForSelector('body[data-state="ready"]');
      expect(await p2.textContent('#run-state')).toMatch(/Not started/);
      expect(await p2.textContent('#engine-line')).toBe('Engine: not started');
      expect(other.errors).toEqual([]);
      expect(third.errors).toEqual([]);
    } finally {
      await other.page.close(); // their calibrations stop with them
      await third.page.close();
    }
    // a custom experiment: written to a file whose $schema is a path that exists in the repository
    await page.selectOption('#f-preset', 'quickstart');
    await page.fill('#f-name', 'my-run');
    await expect.poll(() => page.textContent('#cli-command')).toContain('cat > my-run.json');
    const cmd = (await page.textContent('#cli-command'))!;
    const schema = /"\$schema": "([^"]+)"/.exec(cmd)![1]!;
    expect(schema).not.toMatch(/^https?:/);
    expect(existsSync(join(ROOT, schema)), schema).toBe(true);
    expect(cmd).toMatch(/\nnpx stdp-mc run my-run\.json --engine auto --force$/);
    expect(errors).toEqual([]);
  });

  it('a bad ?exp= or ?preset= URL leaves a notice that stays while the form is edited', async () => {
    const { page, errors } = await openPage(`exp=${encodeURIComponent('{"name": "broken",')}`);
    expect(await page.isVisible('#url-notice')).toBe(true);
    expect(await page.textContent('#url-notice')).toMatch(/not valid JSON; the first preset is shown instead/);
    expect(await page.inputValue('#f-name')).toBe('quickstart');
    // an invalid field and its fix clear the form's errors, not the notice
    await page.fill('#f-alpha', '2');
    await expect.poll(() => page.isVisible('#err-alpha')).toBe(true);
    await page.fill('#f-alpha', '0.01');
    await expect.poll(() => page.isVisible('#err-alpha')).toBe(false);
    await page.selectOption('#f-preset', 'fig2-simplex');
    expect(await page.isVisible('#url-notice')).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'bad-url-notice-1280x720.png') });
    await page.click('#url-notice-close');
    expect(await page.isVisible('#url-notice')).toBe(false);
    expect(errors).toEqual([]);
    const other = await openPage('preset=no-such-preset&engine=warp');
    expect(await other.page.isVisible('#url-notice')).toBe(true);
    // both of the URL's problems are said, and the engine left as it was
    expect(await other.page.textContent('#url-notice')).toMatch(/engine “warp” is none of auto, webgpu, gpujs, cpu; the engine is auto\. .*no preset “no-such-preset”/);
    expect(await other.page.inputValue('#f-engine')).toBe('auto');
    expect(other.errors).toEqual([]);
    // a value the preset's model does not take is refused as the CLI's flag is, and the preset is shown as it is
    const song = await openPage('preset=song2000&steps=100');
    expect(await song.page.textContent('#url-notice')).toMatch(/The URL’s steps=100 is not used: --steps does not apply to Song–Miller–Abbott experiments: use --duration/);
    expect(await song.page.inputValue('#f-preset')).toBe('song2000');
    expect(song.errors).toEqual([]);
  });

  it('every model preset loads into the JSON panel valid, with its CLI command; the Hebbian preset runs to its phase diagram', async () => {
    const { page, errors } = await openPage('preset=quickstart');
    for (const id of ['fig5-multi-1e-3', 'fig5-multi-1e-4', 'spiking-vs-chain', 'eq12-regime-map', 'song2000', 'hebbian-phase', 'natural-gradient-fig3',
      'natgrad-sweep-reduced', 'natgrad-sweep-fig9d', 'rare-failure']) {
      await page.selectOption('#f-preset', id);
      expect(await page.isVisible('#model-fields'), id).toBe(true);
      expect(await page.isVisible('#err-model'), id).toBe(false);
      expect(await page.textContent('#cli-command'), id).toBe(`npx stdp-mc run experiments/${id}.json --engine auto --force`);
    }
    // the chain's form holds a sweep over Γ's scale with both correlation variants: the command is the preset's own
    await page.selectOption('#f-preset', 'correlation-strength');
    expect(await page.isVisible('#chain-fields')).toBe(true);
    expect(await page.textContent('#cli-command')).toBe('npx stdp-mc run experiments/correlation-strength.json --engine auto --force');
    await page.selectOption('#f-preset', 'quickstart');
    expect(await page.isVisible('#chain-fields')).toBe(true);
    // a small Hebbian grid from the preset: 2 × 2 points, 16 copies, 400 steps
    await page.selectOption('#f-preset', 'hebbian-phase');
    const j = JSON.parse(await page.inputValue('#f-model-json'));
    Object.assign(j.scenario, { sigma: [0, 0.1], gamma: [0.01, 1], steps: 400, checkpoints: { every: 100 } });
    await page.fill('#f-model-json', JSON.stringify(j, null, 2));
    await page.fill('#f-m-trajectories', '16');
    await expect.poll(() => page.isVisible('#err-model')).toBe(false);
    const s = await runToEnd(page, 120_000);
    expect(s.model).toBe('hebbian');
    expect(s.points).toHaveLength(4);
    await page.waitForFunction(() => !!document.querySelector('#plot-phase-diagram .vega svg'), undefined, { timeout: 30_000 });
    expect(errors).toEqual([]);
  });

  it('the JSON panel and its fields agree, and what they say runs; the natural-gradient plots are drawn at full size, without vega warnings or NaN', async () => {
    const { page, errors } = await openPage('preset=natural-gradient-fig3&engine=cpu');
    const logged: string[] = [];
    const onConsole = (m: ConsoleMessage) => { if (m.type() === 'warning' || m.type() === 'error') logged.push(m.text()); };
    page.on('console', onConsole);
    try {
      const json = async () => JSON.parse(await page.inputValue('#f-model-json'));
      expect(await page.textContent('#f-m-trajectories-label')).toBe('Learners (scenario.trajectories)');
      expect(await page.inputValue('#f-m-trajectories')).toBe('1000');
      // an edit of the JSON shows in the fields, and the command line and the cost are the JSON's
      const j = await json();
      // 2 learners, 10 s; a KL threshold above where the learners start: each reaches it at t = 0
      Object.assign(j.scenario, { trajectories: 2, seed: 7, duration: 10, checkpoints: { every: 5 }, klThreshold: 1e-3 });
      await page.fill('#f-model-json', JSON.stringify(j, null, 2));
      await expect.poll(() => page.inputValue('#f-m-trajectories')).toBe('2');
      expect(await page.inputValue('#f-m-seed')).toBe('7');
      expect(await page.textContent('#cli-command')).toContain('"trajectories": 2,');
      expect(await page.textContent('#cli-command')).not.toContain('"trajectories": 1000');
      expect(await page.textContent('#cost-work')).toBe('240 k learner-steps (2 learners × 120 k steps each)');
      // an edit of a field is written into the JSON
      await page.fill('#f-m-trajectories', '3');
      await expect.poll(async () => (await json()).scenario.trajectories).toBe(3);
      expect(await page.textContent('#cli-command')).toContain('"trajectories": 3,');
      expect(await page.textContent('#cost-work')).toBe('360 k learner-steps (3 learners × 120 k steps each)');
      await page.fill('#f-m-seed', 'abc');
      await expect.poll(async () => (await json()).scenario.seed).toBe('abc');
      // an emptied field takes the value out of the JSON: the parser's refusal names it, and nothing starts
      await page.fill('#f-m-trajectories', '');
      await expect.poll(async () => 'trajectories' in (await json()).scenario).toBe(false);
      await expect.poll(() => page.isVisible('#err-model')).toBe(true);
      expect(await page.textContent('#err-model')).toContain('scenario.trajectories');
      await page.click('#btn-start');
      await expect.poll(() => page.textContent('#run-state')).toMatch(/Not started/);
      // a fraction of a learner is written as the number it is: the parser names the rule it breaks
      await page.fill('#f-m-trajectories', '2.5');
      await expect.poll(async () => (await json()).scenario.trajectories).toBe(2.5);
      await expect.poll(() => page.textContent('#err-model')).toContain('scenario.trajectories');
      expect(await page.textContent('#err-model')).not.toContain('string');
      expect(await page.textContent('#run-state')).toMatch(/Not started/);
      // the fields again; the JSON edited last (its seed) wins over the field's earlier value
      await page.fill('#f-m-trajectories', '2');
      // valid again: the state line no longer says what was to fix
      await expect.poll(() => page.textContent('#run-state')).toBe('Ready');
      const k = await json();
      expect(k.scenario.trajectories).toBe(2);
      k.scenario.seed = 7;
      await page.fill('#f-model-json', JSON.stringify(k, null, 2));
      await expect.poll(() => page.inputValue('#f-m-seed')).toBe('7');
      const s = await runToEnd(page, 120_000);
      expect([s.scenario.trajectories, s.scenario.seed, s.scenario.duration]).toEqual([2, 7, 10]);
      expect(s.ensembles.map((e: any) => e.learners)).toEqual([2, 2, 2, 2, 2, 2]);
      // the plots: drawn at their own size in the panel (not shrunk), text of at least 10 px, no NaN anywhere
      const ids = ['plot-kl', 'plot-rate-error', 'plot-weight-distance'];
      await page.waitForFunction((ids) => ids.every((id) => document.querySelector(`#${id} .vega svg`)), ids, { timeout: 30_000 });
      const drawn = await page.evaluate((ids) => ids.map((id) => {
        const svg = document.querySelector(`#${id} .vega svg`) as SVGSVGElement;
        const own = Number(svg.getAttribute('width'));
        const scale = svg.getBoundingClientRect().width / own;
        const fonts = [...svg.querySelectorAll('text')]
          .filter((t) => t.textContent?.trim() && getComputedStyle(t).opacity !== '0' && t.getAttribute('opacity') !== '0')
          .map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
        // NaN in a drawn attribute (coordinates, sizes, paths); an empty axis's aria-label may say "from Infinity to NaN"
        const nan = [...svg.querySelectorAll('*')].some((el) => [...el.attributes].some((a) => a.name !== 'aria-label' && a.value.includes('NaN')));
        return { id, own, panel: svg.parentElement!.clientWidth, scale, minFont: Math.min(...fonts), nan };
      }), ids);
      for (const d of drawn) {
        expect(d.scale, d.id).toBeGreaterThan(0.97);
        expect(d.own, d.id).toBeLessThanOrEqual(d.panel + 1);
        expect(d.minFont, d.id).toBeGreaterThanOrEqual(10);
        expect(d.nan, d.id).toBe(false);
      }
      // every learner reached the threshold at t = 0: no time a log axis can show, so the model draws no such plot
      expect(await page.evaluate(() => document.querySelector('#plot-time-to-threshold .vega svg'))).toBeNull();
      writeFileSync(join(ARTIFACTS, 'natgrad-plots.json'), JSON.stringify(drawn, null, 2));
      await page.screenshot({ path: join(ARTIFACTS, 'natgrad-plots-full.png'), fullPage: true });
      expect(logged).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      page.off('console', onConsole);
    }
  });

  it('the preset menu holds a rare-event preset; reduced, it runs on the page with exactly the CLI\'s estimates', async () => {
    const { page, errors } = await openPage('preset=rare-failure&engine=cpu');
    expect(await page.isVisible('#model-fields')).toBe(true);
    expect(await page.textContent('#exp-model')).toMatch(/rare-event estimation/);
    // its copies are the splitting estimator's replicates: the field edits rareEvent.replicates
    expect(await page.textContent('#f-m-trajectories-label')).toBe('Replicates (rareEvent.replicates)');
    expect(await page.inputValue('#f-m-trajectories')).toBe('20');
    expect(await page.textContent('#cli-command')).toBe('npx stdp-mc run experiments/rare-failure.json --engine cpu --force');
    const small = rareSmall();
    await page.fill('#f-model-json', JSON.stringify({ ...small, rareEvent: { ...small.rareEvent, replicates: 20 } }, null, 2));
    await page.fill('#f-m-trajectories', '4');
    await expect.poll(async () => JSON.parse(await page.inputValue('#f-model-json')).rareEvent).toEqual(small.rareEvent);
    expect(await page.textContent('#cost-work')).toMatch(/^[\d.]+( [kM])? replicate-steps \(2 grid points, 8 replicates in all\)$/);
    const s = await runToEnd(page, 120_000);
    const c = await cli.rare;
    expect(s.engine.name).toBe('cpu');
    const estimates = (x: any) => x.points.map((p: any) => [p.label, p.failure.estimate, p.failure.ci95, p.failure.perReplicate]);
    expect(estimates(s)).toEqual(estimates(c));
    // a sweep's comparison rows name their grid point (the same quantity recurs per point)
    const pointsShown = await page.$$eval('#summary-view > table.comparisons tbody tr', (rows) => rows.map((r) => r.querySelector('td')?.textContent ?? ''));
    expect(await page.$eval('#summary-view > table.comparisons thead th', (th) => th.textContent)).toBe('grid point');
    const labels = s.points.map((p: any) => p.label);
    expect(pointsShown.length).toBeGreaterThan(0);
    expect(pointsShown.every((l) => l === '' || labels.includes(l))).toBe(true);
    expect(pointsShown.filter((l) => l).length).toBeGreaterThan(0);
    await page.waitForFunction(() => document.querySelectorAll('#extra-plots .vega svg').length >= 1, undefined, { timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'rare-event-1280x720.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('the chain\'s simplex panel before a run: its text fits in the canvas and says what applies to the sample paths kept', async () => {
    const { page, errors } = await openPage('preset=quickstart');
    expect(await page.inputValue('#f-keepPaths')).toBe('100');
    // the text's lines (as the canvas placed them), and the grey ink of the text itself: a line cut by the canvas's
    // edge has ink in its first or last columns
    const shown = () => page.evaluate(() => {
      const c = document.getElementById('simplex') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const dpr = c.width / c.clientWidth;
      let left = Infinity, right = -Infinity;
      for (let i = 0; i < d.length; i += 4) {
        const [r, g, b] = [d[i]!, d[i + 1]!, d[i + 2]!];
        // the text's grey (#80868e) and its antialiased edges; not the contours' blues, the triangle's or labels' near-black
        if (r > 100 && r < 200 && Math.abs(g - r) < 16 && b - r >= 0 && b - r < 24) {
          const x = ((i / 4) % c.width) / dpr;
          left = Math.min(left, x);
          right = Math.max(right, x);
        }
      }
      return { message: (globalThis as any).stdpMc.simplexMessage, ink: { left, right }, width: c.clientWidth };
    });
    const fits = (x: Awaited<ReturnType<typeof shown>>) => {
      expect(x.ink.left, JSON.stringify(x)).toBeGreaterThanOrEqual(4);
      expect(x.ink.right, JSON.stringify(x)).toBeLessThanOrEqual(x.width - 4);
      for (const l of x.message?.lines ?? []) {
        expect(l.left, l.text).toBeGreaterThanOrEqual(0);
        expect(l.right, l.text).toBeLessThanOrEqual(x.width);
      }
    };
    let x = await shown();
    fits(x);
    expect(x.message.text).toBe('Sample paths appear after the first batch.');
    await page.locator('#simplex-panel').screenshot({ path: join(ARTIFACTS, 'simplex-waiting.png') });
    await page.fill('#f-keepPaths', '0');
    await expect.poll(async () => (await shown()).message?.text).toBe('No sample paths are kept: set “Sample paths kept” > 0 to draw them.');
    x = await shown();
    fits(x);
    await page.locator('#simplex-panel').screenshot({ path: join(ARTIFACTS, 'simplex-no-paths.png') });
    expect(await page.textContent('#simplex-panel figcaption')).toContain('contours of L(p) = ¼‖p‖⁴ − ⅓Σpᵢ³');
    // correlated inputs: the contours and the caption are those of −pᵀΓp/2, as in the report's simplex
    await page.selectOption('#f-preset', 'fig6-correlated');
    await expect.poll(() => page.textContent('#simplex-panel figcaption')).toContain('contours of the loss −pᵀΓp/2 (correlated inputs)');
    await page.locator('#simplex-panel').screenshot({ path: join(ARTIFACTS, 'simplex-gamma.png') });
    expect(errors).toEqual([]);
  });

  it('runs the quickstart preset on WebGPU (SwiftShader) with the CLI\'s counts, and draws the plots', async () => {
    const { b, page, errors, s } = await webgpuRun; // started in beforeAll: it ran beside the tests above
    expect(await page.inputValue('#f-trajectories')).toBe(String(N));
    expect(s.engine.name).toBe('webgpu');
    expect(s.engine.runtime).toBe('browser');
    expect(JSON.stringify(s.engine.adapter).toLowerCase()).toContain('swiftshader');
    expect(await page.textContent('#engine-line')).toMatch(/WebGPU on .*swiftshader/i);

    const c = await cli.webgpu;
    expect(c.engine.name).toBe('webgpu');
    expect(s.trajectories).toBe(N);
    expect(c.trajectories).toBe(N);
    expect(s.checkpoints.map((x: any) => x.step)).toEqual(c.checkpoints.map((x: any) => x.step));
    // Success and vertex counts exactly at every checkpoint; the δ-threshold counts to within 2 (a trajectory within
    // f32 rounding of a threshold may land on either side between Chromium's and Node's Dawn builds).
    let deltaDiff = 0;
    s.checkpoints.forEach((x: any, i: number) => {
      const y = c.checkpoints[i];
      expect(x.successCount, `step ${x.step}`).toBe(y.successCount);
      expect(x.vertexCounts, `step ${x.step}`).toEqual(y.vertexCounts);
      x.belowDelta.forEach((bd: any, j: number) => { deltaDiff = Math.max(deltaDiff, Math.abs(bd.count - y.belowDelta[j].count)); });
    });
    expect(deltaDiff).toBeLessThanOrEqual(2);
    expect(s.final.successProbability).toBe(c.final.successProbability);
    expect(s.final.vertexProbabilities).toEqual(c.final.vertexProbabilities);
    writeFileSync(join(ARTIFACTS, 'counts-webgpu.json'), JSON.stringify({
      N, browser: { success: s.checkpoints.at(-1).successCount, vertexCounts: s.checkpoints.at(-1).vertexCounts, belowDelta: s.checkpoints.at(-1).belowDelta },
      cli: { success: c.checkpoints.at(-1).successCount, vertexCounts: c.checkpoints.at(-1).vertexCounts, belowDelta: c.checkpoints.at(-1).belowDelta },
      maxBelowDeltaDifference: deltaDiff,
    }, null, 2));

    // plots present and not empty
    await page.waitForFunction(() => document.querySelectorAll('#plot-log-gap .vega svg, #plot-success-vs-step .vega svg').length === 2);
    const st = await settledPlots(page, (x) => x.paths === 100 && x.red > 500 && x.dark > 200);
    expect(st.paths).toBe(100);
    expect(st.logGap).toBeGreaterThan(5);
    expect(st.successVsStep).toBeGreaterThan(3);
    expect(st.red).toBeGreaterThan(500); // sample paths
    expect(st.dark).toBeGreaterThan(200); // triangle, flow, labels
    expect(await page.textContent('#result-line')).toMatch(/P\(argmax p = i\*\) = 0\.9/);
    // exports: the CLI's file names, non-empty SVG and PNG
    const files = await page.evaluate(async () => {
      const fs = (globalThis as any).stdpMc.exportFiles() as { name: string; make: () => Promise<Blob | string> }[];
      const out: Record<string, number> = {};
      for (const f of fs) if (/^(summary\.json|.*\.csv|log-gap\.(svg|png)|simplex\.png)$/.test(f.name)) {
        const v = await f.make();
        out[f.name] = typeof v === 'string' ? v.length : v.size;
      }
      return out;
    });
    for (const n of ['summary.json', 'comparisons.csv', 'checkpoints.csv', 'points.csv', 'log-gap.svg', 'log-gap.png', 'simplex.png']) {
      expect(files[n], n).toBeGreaterThan(n === 'points.csv' ? 100 : 500);
    }
    expect(await page.textContent('#cli-command')).toBe(`npx stdp-mc run experiments/quickstart.json --engine webgpu --trajectories ${N} --force`);
    // "Download all": one zip named after the run, holding the files the CLI wrote
    const zip = await downloadAll(page);
    expect(zip.name).toMatch(/^quickstart-webgpu-\d{8}-\d{6}\.zip$/);
    expect(Object.keys(zip.entries).sort()).toEqual(cliFiles(join(tmp, 'cli')));
    expect(JSON.parse(strFromU8(zip.entries['summary.json']!))).toEqual(s);

    const shot = join(ARTIFACTS, 'quickstart-webgpu-1280x720.png');
    await page.screenshot({ path: shot });
    await page.screenshot({ path: join(ARTIFACTS, 'quickstart-webgpu-full.png'), fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    expect(errors).toEqual([]);
    await b.close(); // nothing else runs on WebGPU
  });
});
