// `npm run bench`: simulator throughput on fleets of 10, 100 and 1,000 instances, and the bare event-queue
// loop rate measured in the same process, with the ratio between them. Wall-clock reads are fine here.
import { performance } from 'node:perf_hooks';
import { EventQueue } from '../sim/kernel.js';
import { runScenario, type RunStats } from '../sim/run.js';
import { fleetScenario } from './fleet.js';
import { benchEngineStep } from './engine-step.js';
import { benchSweep } from './sweep.js';

interface Case {
  readonly instances: number;
  readonly durationMs: number;
}

const CASES: readonly Case[] = [
  { instances: 10, durationMs: 60 * 60_000 },
  { instances: 100, durationMs: 60 * 60_000 },
  { instances: 1000, durationMs: 10 * 60_000 },
];

/** The kernel alone: a steady heap of `pending` events, each pop scheduling one more (like a request). */
function bareHeapRate(pending: number, ops: number): number {
  const q = new EventQueue(1024);
  let x = 12345;
  const nextGap = (): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return 1 + (x % 5000);
  };
  for (let i = 0; i < pending; i++) q.push(nextGap(), 50, 1, i, 0);
  const t0 = performance.now();
  for (let i = 0; i < ops; i++) {
    q.pop();
    q.push(q.now + nextGap(), 50, 1, q.argA, 0);
  }
  return ops / ((performance.now() - t0) / 1000);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function runCase(c: Case): { eventsPerSec: number } {
  const scenario = fleetScenario(c.instances, c.durationMs);
  let heapPeak = 0;
  let stats: RunStats = { events: 0, engineSteps: 0 };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { result } = runScenario(scenario, {
    onProgress: () => {
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    },
    onStats: (s) => (stats = s),
  });
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const m = result.metrics;
  const edit = result.edits[0];
  const eventsPerSec = stats.events / wallS;
  console.log(
    [
      // CPU time is printed too: on a shared machine it is the steadier figure.
      `fleet ${c.instances} instances, ${c.durationMs / 60_000} simulated min: ${wallS.toFixed(2)} s wall, ${cpuS.toFixed(2)} s CPU`,
      `  requests offered ${fmt(m.requests.offered)}, served ${fmt(m.requests.served)}, dropped ${m.droppedPercent} %, p95 ${fmt(m.latencyMs.p95)} ms`,
      `  simulated requests / wall s: ${fmt(m.requests.offered / wallS)}`,
      `  kernel events: ${fmt(stats.events)} (${fmt(eventsPerSec)} / s); engine steps: ${fmt(stats.engineSteps)} (${fmt(stats.engineSteps / wallS)} / s)`,
      `  edit: ${edit ? `${edit.outcome} in ${(edit.durationMs / 1000).toFixed(0)} s, peak ${edit.peakInstances} instances, min ready ${edit.minReadyInstances}` : 'not finished in the run'}`,
      `  peak heap used ${(heapPeak / 2 ** 20).toFixed(0)} MB; downtime ${m.downtimeMs} ms; GPU-hours ${m.gpuHours}`,
    ].join('\n'),
  );
  return { eventsPerSec };
}

async function main(): Promise<void> {
  console.log(`rollsim bench (node ${process.version})`);
  bareHeapRate(20_000, 2_000_000); // warm-up, so the JIT has compiled the queue
  const heapRate = bareHeapRate(20_000, 5_000_000);
  console.log(`bare kernel heap push+pop loop (20k pending): ${fmt(heapRate)} events / s\n`);
  benchEngineStep();
  for (const c of CASES) {
    const { eventsPerSec } = runCase(c);
    console.log(`  simulator / bare heap rate: ${(eventsPerSec / heapRate).toFixed(3)}\n`);
  }
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(`process peak RSS (maxRSS): ${maxRssMB.toFixed(0)} MB`);
  await benchSweep();
}

await main();
