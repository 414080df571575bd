// A self-contained HTML page with interactive charts: Chart.js and the chart data are inlined, a
// Content-Security-Policy forbids every network fetch, and only the page's own scripts (by hash) run.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ChartConfiguration } from 'chart.js';
import { MARKER_PLUGIN_SOURCE } from './chart-plugins.js';
import { escapeHtml, jsonForScript } from './format.js';

export interface PageChart {
  readonly name: string;
  readonly title: string;
  readonly caption: string;
  readonly config: ChartConfiguration;
}

export interface PageParts {
  readonly title: string;
  /** Page-specific CSS appended to the base style. */
  readonly css?: string;
  /** Trusted markup: every interpolated value must already be escaped. */
  readonly bodyHtml: string;
  readonly charts: readonly PageChart[];
}

export const DATA_ELEMENT_ID = 'rollsim-data';

let chartJsSource: { code: string; version: string } | null = null;

/**
 * Chart.js's UMD build, ready to sit inside a `<script>` element. The package does not export the
 * file, so it is found beside the CommonJS entry point. `</script` and `<!--` cannot appear raw
 * inside a script element; in JavaScript `<\/script` and `<\!--` mean the same inside strings.
 */
export function inlineChartJs(): { code: string; version: string } {
  if (chartJsSource) return chartJsSource;
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('chart.js'));
  const code = readFileSync(join(dist, 'chart.umd.js'), 'utf8')
    .replace(/<\/script/gi, '<\\/script')
    .replace(/<!--/g, '<\\!--');
  const version = /Chart\.js v(\d+\.\d+\.\d+)/.exec(code)?.[1] ?? 'unknown';
  chartJsSource = { code, version };
  return chartJsSource;
}

// Runs in the page. A chart that fails is reported on the console and in the page, never silently.
const BOOT_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById(${JSON.stringify(DATA_ELEMENT_ID)}).textContent);
  var markers = ${MARKER_PLUGIN_SOURCE};
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
  Chart.defaults.color = '#333';
  var drawn = 0;
  data.charts.forEach(function (c) {
    var canvas = document.getElementById('chart-' + c.name);
    try {
      if (!canvas) throw new Error('no canvas for chart ' + c.name);
      var config = c.config;
      config.plugins = [markers];
      config.options = config.options || {};
      config.options.responsive = true;
      config.options.maintainAspectRatio = true;
      config.options.aspectRatio = 2;
      // The figure's heading already names the chart.
      var plugins = config.options.plugins || {};
      if (plugins.title) plugins.title.display = false;
      if (plugins.subtitle) plugins.subtitle.display = false;
      new Chart(canvas, config);
      drawn += 1;
    } catch (err) {
      console.error('rollsim: chart "' + c.name + '" failed: ' + (err && err.message ? err.message : err));
      var figure = canvas && canvas.closest('figure');
      if (figure) {
        var p = document.createElement('p');
        p.className = 'chart-error';
        p.textContent = 'This chart could not be drawn: ' + (err && err.message ? err.message : err);
        figure.appendChild(p);
      }
    }
  });
  document.documentElement.setAttribute('data-charts-drawn', String(drawn));
})();
`;

const BASE_CSS = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa;
  --good: #1a7f37; --bad: #cf222e; --neutral: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--ink); background: var(--bg); }
main { max-width: 1240px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 19px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
.sub { color: var(--muted); margin: 0 0 16px; }
section, figure { background: #fff; border: 1px solid var(--line); border-radius: 8px; }
figure { margin: 0 0 20px; padding: 12px 16px 8px; }
figure h3 { margin: 0 0 4px; font-size: 16px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
canvas { display: block; width: 100%; background: #fff; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top;
  overflow-wrap: anywhere; }
th { background: var(--bg); font-weight: 600; font-size: 13px; color: var(--muted); overflow-wrap: normal; }
tr:last-child td { border-bottom: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 13px; font-weight: 600;
  border: 1px solid currentColor; white-space: nowrap; }
.badge.good { color: var(--good); } .badge.bad { color: var(--bad); } .badge.neutral { color: var(--neutral); }
.chart-error { color: var(--bad); font-weight: 600; }
pre { margin: 0; padding: 12px; overflow: auto; background: var(--bg); border-radius: 6px; font-size: 13px; }
details { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
summary { cursor: pointer; font-weight: 600; }
footer { color: var(--muted); font-size: 13px; margin-top: 32px; }
`;

const sha256 = (text: string): string =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export function chartFigureHtml(chart: PageChart): string {
  return `<figure id="figure-${escapeHtml(chart.name)}">
<h3>${escapeHtml(chart.title)}</h3>
<canvas id="chart-${escapeHtml(chart.name)}" width="1200" height="600" role="img" aria-label="${escapeHtml(chart.title)}"></canvas>
<figcaption>${escapeHtml(chart.caption)}</figcaption>
</figure>`;
}

/** The whole document. Scripts are allowed by hash only, so injected inline handlers could not run either. */
export function selfContainedPage(parts: PageParts): string {
  const chartJs = inlineChartJs();
  const css = BASE_CSS + (parts.css ?? '');
  const data = jsonForScript({ charts: parts.charts.map((c) => ({ name: c.name, config: c.config })) });
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(chartJs.code)} ${sha256(BOOT_SCRIPT)}`,
    `style-src ${sha256(css)}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(parts.title)}</title>
<style>${css}</style>
</head>
<body>
<main>
${parts.bodyHtml}
<footer>Generated by rollsim. Charts drawn with Chart.js v${escapeHtml(chartJs.version)} (MIT License), inlined so this file opens without a network.</footer>
</main>
<script type="application/json" id="${DATA_ELEMENT_ID}">${data}</script>
<script>${chartJs.code}</script>
<script>${BOOT_SCRIPT}</script>
</body>
</html>
`;
}
