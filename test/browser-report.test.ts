// Proves report.html works as a user sees it, in real headless Chromium (ROLLSIM_CHROMIUM, a system
// Chromium or Chrome, else the binary inside @sparticuz/chromium; never a downloaded browser): no console
// errors, every chart canvas drawn with data, no network request at all, scenario strings shown as text
// and never executed — and that this check fails when a chart breaks.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../result/result.js';
import { jsonForScript } from '../reports/format.js';
import { DATA_ELEMENT_ID } from '../reports/html-page.js';
import { runReportHtml } from '../reports/html.js';
import { sweepReportHtml } from '../reports/sweep-charts.js';
import { writeRunReports } from '../reports/write.js';
import { loadScenarioFile } from '../scenario/load.js';
import { runScenario } from '../sim/run.js';
import { describeLaunch, findSystemChromium, launchChromium, PATH_NAMES } from './support/browser.js';
import { INJECTED_TAG } from './fixtures/results/generate.js';

const CHART_IDS = ['chart-instances', 'chart-capacity', 'chart-latency', 'chart-gpus'];

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtureDir = join(repoRoot, 'test', 'fixtures', 'results');
const load = (name: string): RunResult =>
  JSON.parse(readFileSync(join(fixtureDir, `${name}.json`), 'utf8')) as RunResult;

interface CanvasState {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  /** Pixels with any paint on them. */
  readonly painted: number;
  /** Saturated pixels: the data series. */
  readonly coloured: number;
  /** Data points in the chart Chart.js attached to this canvas; -1 when there is no chart. */
  readonly points: number;
}

interface Inspection {
  readonly consoleErrors: readonly string[];
  readonly dialogs: readonly string[];
  /** Every request the page made, apart from loading the file itself. */
  readonly requests: readonly string[];
  readonly canvases: readonly CanvasState[];
  readonly chartsDrawn: string | null;
  /** Tables wider than the page's column (they spill past the summary cards and charts). */
  readonly overflowing: readonly string[];
}

async function inspect(page: Page, file: string): Promise<Inspection> {
  const url = pathToFileURL(file).href;
  const consoleErrors: string[] = [];
  const dialogs: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url, { waitUntil: 'load' });
  const canvases = await page.evaluate(() => {
    const chartJs = (
      window as unknown as {
        Chart?: { getChart(c: HTMLCanvasElement): { data: { datasets: { data: unknown[] }[] } } | undefined };
      }
    ).Chart;
    return [...document.querySelectorAll('canvas')].map((c) => {
      const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
      let painted = 0;
      let coloured = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 0) painted += 1;
        if (
          data[i + 3]! > 128 &&
          Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!) > 60
        )
          coloured += 1;
      }
      const chart = chartJs?.getChart(c);
      const points = chart ? chart.data.datasets.reduce((a, d) => a + d.data.length, 0) : -1;
      return { id: c.id, width: c.width, height: c.height, painted, coloured, points };
    });
  });
  const chartsDrawn = await page.evaluate(() => document.documentElement.getAttribute('data-charts-drawn'));
  const overflowing = await page.evaluate(() => {
    const main = document.querySelector('main');
    if (main === null) return ['no <main>'];
    const right = main.getBoundingClientRect().right - parseFloat(getComputedStyle(main).paddingRight);
    return [...document.querySelectorAll('table')]
      .filter((t) => t.getBoundingClientRect().right > right + 1)
      .map(
        (t) =>
          `${t.id || t.querySelector('th')?.textContent || 'table'}: right edge ${Math.round(t.getBoundingClientRect().right)} > ${Math.round(right)}`,
      );
  });
  return { consoleErrors, dialogs, requests, canvases, chartsDrawn, overflowing };
}

/** Everything a user would call broken, as readable problems; empty when the page is fine. */
function problemsOf(x: Inspection, expectedCharts: readonly string[]): string[] {
  const problems = [...x.consoleErrors.map((e) => `console: ${e}`), ...x.dialogs.map((d) => `dialog: ${d}`)];
  problems.push(...x.requests.map((r) => `network request: ${r}`));
  const ids = x.canvases.map((c) => c.id);
  if (JSON.stringify(ids) !== JSON.stringify(expectedCharts)) problems.push(`canvases ${ids.join(',')}`);
  for (const c of x.canvases) {
    if (c.points <= 0) problems.push(`${c.id}: no chart data (${c.points})`);
    if (c.painted < c.width * c.height * 0.02) problems.push(`${c.id}: blank (${c.painted} painted pixels)`);
    if (c.coloured < 2000) problems.push(`${c.id}: no data drawn (${c.coloured} coloured pixels)`);
  }
  if (x.chartsDrawn !== String(expectedCharts.length)) problems.push(`charts drawn: ${x.chartsDrawn}`);
  problems.push(...x.overflowing.map((t) => `table wider than the page: ${t}`));
  return problems;
}

/** The report with one chart's embedded configuration changed, to prove the check notices. */
function withBrokenChart(
  html: string,
  name: string,
  breakIt: (config: Record<string, unknown>) => void,
): string {
  const re = new RegExp(`(<script type="application/json" id="${DATA_ELEMENT_ID}">)(.*?)(</script>)`, 's');
  const match = re.exec(html);
  expect(match).not.toBeNull();
  const data = JSON.parse(match![2]!) as { charts: { name: string; config: Record<string, unknown> }[] };
  breakIt(data.charts.find((c) => c.name === name)!.config);
  return html.replace(re, (_, open: string, _old, close: string) => `${open}${jsonForScript(data)}${close}`);
}

let browser: Browser;
let dir = '';

beforeAll(async () => {
  const launched = await launchChromium();
  console.info(describeLaunch(launched));
  browser = launched.browser;
  dir = mkdtempSync(join(tmpdir(), 'rollsim-browser-'));
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(html: string, name: string): Promise<{ inspection: Inspection; page: Page }> {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  return { inspection: await inspect(page, file), page };
}

describe('report.html in headless Chromium', () => {
  it('draws every chart with no console errors and no network access', async () => {
    const out = join(dir, 'run');
    await writeRunReports(out, load('swap-completed'));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const inspection = await inspect(page, join(out, 'report.html'));
    expect(problemsOf(inspection, CHART_IDS)).toEqual([]);
    expect(await page.locator('#event-timeline tbody tr').count()).toBe(5);
    await page.close();
  });

  it('works on the default scenario as the real simulator runs it', async () => {
    const loaded = loadScenarioFile(join(repoRoot, 'library', 'default.yaml'));
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('; '));
    const { result, trace } = runScenario(loaded.scenario, { trace: true });
    const out = join(dir, 'default');
    const written = await writeRunReports(out, result, { trace });
    expect(written.map((f) => basename(f)).sort()).toEqual(
      [
        ...CHART_IDS.map((id) => `${id.slice('chart-'.length)}.png`),
        'report.html',
        'result.json',
        'summary.md',
        'trace.ndjson',
      ].sort(),
    );
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    expect(problemsOf(await inspect(page, join(out, 'report.html')), CHART_IDS)).toEqual([]);
    await page.close();
  });

  it('draws the multi-pool, rollback and downtime story too', async () => {
    const { inspection, page } = await open(runReportHtml(load('bad-version-rollback')), 'rollback');
    // Two pools (A100 and H100): one GPU chart per pool instead of one stacked chart.
    const ids = ['chart-instances', 'chart-capacity', 'chart-latency', 'chart-gpus-a100', 'chart-gpus-h100'];
    expect(problemsOf(inspection, ids)).toEqual([]);
    expect(await page.locator('text=HEALTH_CHECK_FAILED').count()).toBeGreaterThan(0);
    await page.close();
  });

  it('shows injected markup as text and never runs it', async () => {
    const { inspection, page } = await open(runReportHtml(load('hostile-strings')), 'hostile');
    expect(problemsOf(inspection, CHART_IDS)).toEqual([]);
    expect(inspection.dialogs).toEqual([]);
    const dom = await page.evaluate(() => ({
      images: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
      text: document.body.innerText,
      title: document.title,
    }));
    expect(dom.images).toBe(0);
    expect(dom.scripts).toBe(3);
    expect(dom.title).toContain(`</script><script>alert(2)</script>${INJECTED_TAG}`);
    const shown = dom.text.split(INJECTED_TAG).length - 1;
    // Heading, fact, edits table, expectations, event timeline, GPU chart heading.
    expect(shown).toBeGreaterThanOrEqual(6);
    await page.close();
  });

  it('draws every sweep chart', async () => {
    const spread = (n: number, scaleMs: number): number[] =>
      Array.from({ length: n }, (_, i) => ((i * 37) % n) * scaleMs);
    const html = sweepReportHtml(
      {
        combinations: [
          {
            label: `surge ${INJECTED_TAG}`,
            downtimeMs: spread(60, 2000),
            durationMs: spread(60, 20_000),
            rolledBack: 3,
            total: 60,
          },
          {
            label: 'unavailable 1',
            downtimeMs: spread(60, 5000),
            durationMs: spread(60, 15_000),
            rolledBack: 12,
            total: 60,
          },
        ],
      },
      `sweep ${INJECTED_TAG}`,
    );
    const { inspection, page } = await open(html, 'sweep');
    const ids = ['downtime-histogram', 'downtime-cdf', 'duration-histogram', 'duration-cdf', 'rollback-rate'];
    expect(
      problemsOf(
        inspection,
        ids.map((id) => `chart-${id}`),
      ),
    ).toEqual([]);
    expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);
    await page.close();
  });

  it('the check fails when a chart cannot be built', async () => {
    const html = withBrokenChart(runReportHtml(load('swap-completed')), 'capacity', (config) => {
      config['type'] = 'no-such-chart-type';
    });
    const { inspection, page } = await open(html, 'broken-type');
    const problems = problemsOf(inspection, CHART_IDS);
    expect(problems.some((p) => p.startsWith('console: rollsim: chart "capacity" failed'))).toBe(true);
    expect(problems).toContain('chart-capacity: blank (0 painted pixels)');
    expect(problems).toContain('charts drawn: 3');
    expect(problems.filter((p) => /chart-(instances|latency|gpus)/.test(p))).toEqual([]);
    expect(await page.locator('#figure-capacity .chart-error').count()).toBe(1);
    await page.close();
  });

  it('the check fails when a chart has lost its data', async () => {
    const html = withBrokenChart(runReportHtml(load('swap-completed')), 'latency', (config) => {
      config['data'] = { datasets: [] };
    });
    const { inspection, page } = await open(html, 'broken-data');
    const problems = problemsOf(inspection, CHART_IDS);
    expect(problems).toContain('chart-latency: no chart data (0)');
    expect(problems.some((p) => p.startsWith('chart-latency: no data drawn'))).toBe(true);
    await page.close();
  });

  it('the check fails when the page tries to reach the network', async () => {
    const html = runReportHtml(load('swap-completed')).replace(
      '</main>',
      '<img src="https://example.invalid/x.png"></main>',
    );
    const { inspection, page } = await open(html, 'network');
    expect(problemsOf(inspection, CHART_IDS).some((p) => p.includes('example.invalid'))).toBe(true);
    await page.close();
  });
});

describe('finding a browser', () => {
  it('prefers PATH, in name order, over the well-known paths, and only takes executable files', () => {
    const folder = mkdtempSync(join(tmpdir(), 'rollsim-path-'));
    try {
      const plain = join(folder, 'chromium');
      const chrome = join(folder, 'google-chrome');
      const installed = join(folder, 'installed-chrome');
      writeFileSync(plain, '');
      for (const f of [chrome, installed]) {
        writeFileSync(f, '#!/bin/sh\n');
        chmodSync(f, 0o755);
      }
      expect(findSystemChromium({ PATH: folder }, [installed])).toBe(chrome);
      expect(findSystemChromium({ PATH: '' }, [plain, installed])).toBe(installed);
      expect(findSystemChromium({ PATH: folder }, [])).toBe(chrome);
      rmSync(chrome);
      expect(findSystemChromium({ PATH: folder }, [])).toBeUndefined();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('with no ROLLSIM_CHROMIUM and no system browser, runs the bundled @sparticuz/chromium and draws the report', async () => {
    // A bare machine: ROLLSIM_CHROMIUM points nowhere, PATH is one empty folder, the well-known paths are
    // hidden, and the bundled binary is unpacked afresh.
    const emptyPath = mkdtempSync(join(tmpdir(), 'rollsim-empty-path-'));
    const unpackRoot = mkdtempSync(join(tmpdir(), 'rollsim-unpack-'));
    const nowhere = join(emptyPath, 'no-such-chromium');
    try {
      const launched = await launchChromium({
        env: { ROLLSIM_CHROMIUM: nowhere, PATH: emptyPath },
        wellKnownPaths: [],
        unpackRoot,
      });
      try {
        expect(launched.source).toBe('@sparticuz/chromium');
        expect(launched.executablePath.startsWith(join(unpackRoot, 'rollsim-chromium-'))).toBe(true);
        expect(launched.notes).toEqual([
          `ROLLSIM_CHROMIUM=${nowhere}: not an executable file`,
          `system Chromium/Chrome: none of ${PATH_NAMES.join(', ')} on PATH or at the well-known paths`,
        ]);
        const out = join(unpackRoot, 'report');
        await writeRunReports(out, load('swap-completed'));
        const page = await launched.browser.newPage({ viewport: { width: 1280, height: 900 } });
        expect(problemsOf(await inspect(page, join(out, 'report.html')), CHART_IDS)).toEqual([]);
        await page.close();
      } finally {
        await launched.browser.close();
      }

      // A system browser that is there but does not start is passed over too.
      const broken = join(emptyPath, 'chromium');
      writeFileSync(broken, '#!/bin/sh\nexit 1\n');
      chmodSync(broken, 0o755);
      const again = await launchChromium({ env: { PATH: emptyPath }, wellKnownPaths: [], unpackRoot });
      try {
        expect(again.source).toBe('@sparticuz/chromium');
        expect(again.notes).toHaveLength(1);
        expect(again.notes[0]).toMatch(new RegExp(`^system Chromium/Chrome \\(${broken}\\) did not start: `));
      } finally {
        await again.browser.close();
      }
    } finally {
      rmSync(emptyPath, { recursive: true, force: true });
      rmSync(unpackRoot, { recursive: true, force: true });
    }
  });
});
