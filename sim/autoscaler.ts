// The autoscaler loop: every interval, scrape the metrics of the READY (routable) instances, ask the
// HPA arithmetic (hpa.ts, shared with the Kubernetes conformance check) for a count, and tell the
// engine when it changes. Only ready instances are measured, so surge or starting instances cannot
// ratchet the count up.
//
// Per-instance metric values are averages over the interval (time-weighted for levels):
// - concurrency: requests in flight on ready instances plus queued ones, per ready instance;
// - rps: requests arriving per second, per ready instance;
// - gpuUtilization: busy batch slots / slots of ready instances, in percent;
// - latencyP95: p95 of the latency of requests completed in the interval (ms, deployment-wide);
// - queueDepth: queued requests per ready instance; for async deployments in-flight requests count too
//   (a message stays in the queue until it is processed, as KEDA's queue scalers count it by default),
//   so a scaled-to-zero worker pool that keeps up is not scaled away under load.
import type { MetricName } from '../catalog/spec.js';
import { hpaRecommend, type HpaMetricInput, type HpaRecommendation } from '../k8s/hpa.js';
import type { World } from './world.js';

export class Autoscaler {
  private history: HpaRecommendation[] = [];
  private lastScrapeMs = 0;

  /** One scrape and reconcile at the current time. */
  scrape(w: World): void {
    const now = w.clock.now;
    const values = this.measure(w, now - this.lastScrapeMs);
    this.lastScrapeMs = now;
    const spec = w.engine.spec;
    if (spec.scaling.metrics.length === 0) return;
    const ready = w.serving.routableCount;
    const current = w.engine.desired;
    let desired: number;
    if (ready === 0 && current === 0) {
      // Scale from zero (async deployments): any waiting work activates one instance.
      desired = w.serving.queueLength > 0 ? Math.max(1, spec.scaling.minInstances) : 0;
    } else {
      const metrics: HpaMetricInput[] = spec.scaling.metrics.map((m) => ({
        value: values[m.metric],
        target: m.threshold,
      }));
      const out = hpaRecommend({
        currentReplicas: current,
        readyReplicas: ready,
        metrics,
        minReplicas: spec.scaling.minInstances,
        maxReplicas: spec.scaling.maxInstances,
        tolerance: w.scenario.autoscaler.tolerance,
        nowMs: now,
        scaleDownStabilizationMs: w.scenario.autoscaler.scaleDownStabilizationMs,
        history: this.history,
      });
      this.history = out.history;
      desired = out.desired;
    }
    if (desired !== w.engine.recommended) {
      w.mark('scale', `autoscaler: ${w.engine.desired} → ${desired} instances`);
      w.tell({ type: 'autoscaler/desiredChanged', atMs: now, desired });
    }
  }

  /** Per-ready-instance averages over the interval; NaN when there is nothing to measure. */
  private measure(w: World, intervalMs: number): Record<MetricName, number> {
    const s = w.serving;
    const now = w.clock.now;
    const outstanding = s.outstandingInt.take(now);
    const busy = s.busyInt.take(now);
    const slots = s.slotsInt.take(now);
    const queued = s.queueInt.take(now);
    const ready = s.routableCount;
    const window = s.scrape;
    const perReady = (total: number): number => (ready > 0 && intervalMs > 0 ? total / ready : NaN);
    const values: Record<MetricName, number> = {
      concurrency: perReady(outstanding / intervalMs),
      rps: perReady((window.offered * 1000) / intervalMs),
      gpuUtilization: slots > 0 ? (busy / slots) * 100 : NaN,
      latencyP95: window.latency.total > 0 ? window.latency.quantile(0.95) : NaN,
      queueDepth: perReady((w.async ? outstanding : queued) / intervalMs),
    };
    window.offered = 0;
    window.served = 0;
    window.failed = 0;
    window.latency.reset();
    return values;
  }
}
