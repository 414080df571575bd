// Issue 15, point 4: an async deployment gets a backlog-over-time chart, as a PNG and in report.html.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartConfigs } from '../reports/charts.js';
import { runReportHtml } from '../reports/html.js';
import { writeRunReports } from '../reports/write.js';
import { formatIssue, loadScenarioFile } from '../scenario/load.js';
import { runScenario } from '../sim/run.js';

const ROOT = path.join(import.meta.dirname, '..');

function run(file: string) {
  const loaded = loadScenarioFile(path.join(ROOT, 'library', file));
  if (!loaded.ok) throw new Error(loaded.issues.map(formatIssue).join('\n'));
  return runScenario(loaded.scenario).result;
}

describe('the backlog chart', () => {
  const result = run('async-rollout-backlog.yaml');

  it('plots the queue at every sample, up to the peak backlog', () => {
    const backlog = chartConfigs(result).find((c) => c.name === 'backlog');
    expect(backlog).toBeDefined();
    const data = backlog!.config.data.datasets[0]!.data as { x: number; y: number }[];
    expect(data).toHaveLength(result.timeline.length);
    const top = Math.max(...data.map((p) => p.y));
    expect(top).toBeGreaterThan(0);
    expect(top).toBeLessThanOrEqual(result.metrics.peakBacklog);
    expect(backlog!.caption).toContain(`peak ${result.metrics.peakBacklog}`);
  });

  it('is written as backlog.png and drawn in report.html', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-backlog-'));
    try {
      const written = await writeRunReports(path.join(dir, 'out'), result);
      expect(written.map((f) => path.basename(f))).toContain('backlog.png');
      expect(fs.statSync(path.join(dir, 'out', 'backlog.png')).size).toBeGreaterThan(1000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(runReportHtml(result)).toContain('id="chart-backlog"');
  });

  it('is absent for a sync deployment', () => {
    expect(chartConfigs(run('default.yaml')).map((c) => c.name)).not.toContain('backlog');
  });
});
