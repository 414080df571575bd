// Issue 15, point 5: a two-pool cluster gets one GPU chart per pool, and result.json gives peak GPUs and
// GPU-hours per GPU type beside the totals.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartConfigs } from '../reports/charts.js';
import { summaryMarkdown } from '../reports/markdown.js';
import { formatIssue, loadScenarioFile } from '../scenario/load.js';
import { runScenario } from '../sim/run.js';

const ROOT = path.join(import.meta.dirname, '..');

function run(file: string) {
  const loaded = loadScenarioFile(path.join(ROOT, 'library', file));
  if (!loaded.ok) throw new Error(loaded.issues.map(formatIssue).join('\n'));
  return runScenario(loaded.scenario).result;
}

describe('GPUs per pool and per GPU type', () => {
  // 8B on H100 swapped for 70B on 2×H200: both pools are used.
  const result = run('swap-8b-to-70b-h200.yaml');

  it('result.json gives peak GPUs and GPU-hours per GPU type', () => {
    const m = result.metrics;
    expect(Object.keys(m.byGpuType)).toEqual(['H100', 'H200']);
    expect(m.byGpuType['H100']!.peakGpus).toBe(2);
    expect(m.byGpuType['H200']!.peakGpus).toBe(4);
    const sum = m.byGpuType['H100']!.gpuHours + m.byGpuType['H200']!.gpuHours;
    expect(Math.abs(sum - m.gpuHours)).toBeLessThan(0.01);
    // The total peak is of GPUs held at once, not the sum of each type's own peak.
    expect(m.peakGpus).toBeLessThanOrEqual(2 + 4);
    expect(m.peakGpus).toBeGreaterThanOrEqual(4);
    expect(summaryMarkdown(result)).toContain('(H100 2, H200 4; each at its own peak)');
  });

  it('draws one GPU chart per pool, never two pools stacked on one axis', () => {
    const gpus = chartConfigs(result).filter((c) => c.name.startsWith('gpus'));
    expect(gpus.map((c) => c.name)).toEqual(['gpus-h100', 'gpus-h200']);
    expect(gpus.map((c) => c.title)).toEqual(['GPUs in pool h100', 'GPUs in pool h200']);
    for (const c of gpus) for (const d of c.config.data.datasets) expect(String(d.label)).not.toContain(':');
  });

  it('keeps the single gpus chart for a one-pool cluster', () => {
    const names = chartConfigs(run('default.yaml')).map((c) => c.name);
    expect(names).toEqual(['instances', 'capacity', 'latency', 'gpus']);
  });
});
