// `npm run bench`: simulator throughput on fleets of 10, 100 and 1,000 instances (the last also without its
// rolling edit), and the bare event-queue loop rate measured in the same process, with the ratio between
// them. Wall-clock reads are fine here.
//
// CPU time on a shared machine swings by a third between identical runs, so the fleet cases run in
// BENCH_ROUNDS rounds (default 3), each a fresh process running them in order, each case just after its
// own bare-heap measurement; the ratios are given per round with their median. BENCH_ROUNDS=1 runs one
// round in this process (what `npm run bench:ab` uses).
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { EventQueue } from '../sim/kernel.js';
import { runScenario, type RunStats } from '../sim/run.js';
import { fleetScenario } from './fleet.js';
import { benchEngineStep } from './engine-step.js';
import { benchSweep } from './sweep.js';

interface Case {
  readonly instances: number;
  readonly durationMs: number;
  /** Whether the fleet rolls its edit (at a fifth of the run). */
  readonly edit: boolean;
}

// The 1,000-instance case spends 8 of its 10 minutes mid-rollout. The same fleet without the edit runs
// last (so with the serving code already compiled by the cases before it), to show the steady fleet apart.
const CASES: readonly Case[] = [
  { instances: 10, durationMs: 60 * 60_000, edit: true },
  { instances: 100, durationMs: 60 * 60_000, edit: true },
  { instances: 1000, durationMs: 10 * 60_000, edit: true },
  { instances: 1000, durationMs: 10 * 60_000, edit: false },
];

const caseName = (c: Case): string => `${c.instances} instances${c.edit ? '' : ', no edit'}`;

/** The kernel alone: a steady heap of `pending` events, each pop scheduling one more (like a request). */
function bareHeapRate(pending: number, ops: number): { wall: number; cpu: number } {
  const q = new EventQueue(1024);
  let x = 12345;
  const nextGap = (): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return 1 + (x % 5000);
  };
  for (let i = 0; i < pending; i++) q.push(nextGap(), 50, 1, i, 0);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < ops; i++) {
    q.pop();
    q.push(q.now + nextGap(), 50, 1, q.argA, 0);
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: ops / ((performance.now() - t0) / 1000), cpu: ops / ((cpu.user + cpu.system) / 1e6) };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function runCase(c: Case): { eventsPerSec: number; requestEventsPerCpuSec: number; eventsPerCpuSec: number } {
  const scenario = fleetScenario(c.instances, c.durationMs, c.edit);
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
  // A request's own events, arrival and completion (the two kernel events each request took before the
  // batch model; now completions of a millisecond share one kernel event), per CPU second.
  const requestEventsPerCpuSec = (2 * m.requests.offered) / cpuS;
  console.log(
    [
      // CPU time is printed too: on a shared machine it is the steadier figure.
      `fleet ${caseName(c)}, ${c.durationMs / 60_000} simulated min: ${wallS.toFixed(2)} s wall, ${cpuS.toFixed(2)} s CPU`,
      `  requests offered ${fmt(m.requests.offered)}, served ${fmt(m.requests.served)}, dropped ${m.droppedPercent} %, p95 ${fmt(m.latencyMs.p95)} ms`,
      `  simulated requests / wall s: ${fmt(m.requests.offered / wallS)}`,
      `  kernel events: ${fmt(stats.events)} (${fmt(eventsPerSec)} / s); engine steps: ${fmt(stats.engineSteps)} (${fmt(stats.engineSteps / wallS)} / s)`,
      `  edit: ${!c.edit ? 'none (steady fleet)' : edit ? `${edit.outcome} in ${(edit.durationMs / 1000).toFixed(0)} s, peak ${edit.peakInstances} instances, min ready ${edit.minReadyInstances}` : 'not finished in the run'}`,
      `  peak heap used ${(heapPeak / 2 ** 20).toFixed(0)} MB; downtime ${m.downtimeMs} ms; GPU-hours ${m.gpuHours}`,
    ].join('\n'),
  );
  return { eventsPerSec, requestEventsPerCpuSec, eventsPerCpuSec: stats.events / cpuS };
}

interface Ratios {
  readonly wallKernel: number;
  readonly cpuKernel: number;
  readonly cpuRequest: number;
}

function measuredHeap(): { wall: number; cpu: number } {
  bareHeapRate(20_000, 2_000_000); // warm-up, so the JIT has compiled the queue
  return bareHeapRate(20_000, 5_000_000);
}

function heapLine(heap: { wall: number; cpu: number }): string {
  return `bare kernel heap push+pop loop (20k pending): ${fmt(heap.wall)} events / s (${fmt(heap.cpu)} / CPU s)`;
}

/** One case after its bare-heap measurement (`heap`): the fleet, and its ratios to that measurement. */
function caseRatios(c: Case, heap: { wall: number; cpu: number }): Ratios {
  const r = runCase(c);
  const ratios = {
    wallKernel: r.eventsPerSec / heap.wall,
    cpuKernel: r.eventsPerCpuSec / heap.cpu,
    cpuRequest: r.requestEventsPerCpuSec / heap.cpu,
  };
  console.log(
    [
      `  simulator / bare heap rate: ${ratios.wallKernel.toFixed(3)} (kernel events, wall)`,
      `  in CPU time: kernel events ${ratios.cpuKernel.toFixed(3)}, request events (2 per request) ${ratios.cpuRequest.toFixed(3)}`,
    ].join('\n'),
  );
  return ratios;
}

const RATIOS_TAG = 'bench-ratios ';

/**
 * One round: the cases in order in this process, as the bench always ran them (so a later case finds the
 * serving code compiled by the earlier ones), each after its own bare-heap measurement. With `tagged`
 * (`--round`, a child of the parent below) each case's ratios follow on a tagged line.
 */
function oneRound(tagged: boolean): void {
  for (const c of CASES) {
    const heap = measuredHeap();
    console.log(heapLine(heap));
    const ratios = caseRatios(c, heap);
    console.log(tagged ? RATIOS_TAG + JSON.stringify({ name: caseName(c), ...ratios }) : '');
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function roundsInChildren(rounds: number): void {
  const all = new Map<string, Ratios[]>(CASES.map((c) => [caseName(c), []]));
  for (let i = 1; i <= rounds; i++) {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--round'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`bench round ${i} failed (exit ${r.status})`);
    const lines = r.stdout.trimEnd().split('\n');
    for (const l of lines.filter((x) => x.startsWith(RATIOS_TAG))) {
      const got = JSON.parse(l.slice(RATIOS_TAG.length)) as Ratios & { name: string };
      all.get(got.name)?.push(got);
    }
    const shown = lines.filter((l) => !l.startsWith(RATIOS_TAG));
    // The first round in full; later rounds by their timing lines and ratios.
    const detail = i === 1 ? shown : shown.filter((l) => /^(fleet|bare)| {2}(simulator|in CPU)/.test(l));
    console.log(`round ${i} of ${rounds}, a fresh process:\n${detail.join('\n')}\n`);
  }
  console.log(`medians of ${rounds} rounds, simulator / bare heap (each round's figures in brackets):`);
  for (const [name, xs] of all) {
    if (xs.length !== rounds) throw new Error(`bench: ${xs.length} of ${rounds} rounds gave ${name}`);
    const f = (k: keyof Ratios): string =>
      `${median(xs.map((x) => x[k])).toFixed(3)} (${xs.map((x) => x[k].toFixed(3)).join(', ')})`;
    console.log(
      `  ${name}: request events (2 per request) / CPU s ${f('cpuRequest')}; kernel events / CPU s ${f('cpuKernel')}; kernel events / wall s ${f('wallKernel')}`,
    );
  }
  console.log('');
}

async function main(): Promise<void> {
  if (process.argv.includes('--round')) {
    oneRound(true);
    return;
  }
  const rounds = Number(process.env.BENCH_ROUNDS ?? '3');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('BENCH_ROUNDS must be a whole number ≥ 1');
  console.log(`rollsim bench (node ${process.version})`);
  benchEngineStep();
  console.log('');
  if (rounds === 1) oneRound(false);
  else roundsInChildren(rounds);
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(`process peak RSS (maxRSS): ${maxRssMB.toFixed(0)} MB`);
  await benchSweep();
}

await main();
