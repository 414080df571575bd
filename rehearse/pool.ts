// Plain seed runs for `rollsim plan` on the sweep worker pool (the sweep's own worker and progress bar).
import { Tinypool } from 'tinypool';
import { Progress } from '../sweep/progress.js';
import type { RunRecord } from '../sweep/store.js';
import runTask, { type SweepTask } from '../sweep/worker.js';

/** Runs every task (in this thread when workers is 0); records come back in task order. */
export async function runOnSweepPool(
  tasks: readonly SweepTask[],
  workers: number,
  progress: NodeJS.WriteStream | null,
  what: string,
): Promise<RunRecord[]> {
  const bar = new Progress(progress, tasks.length, 0, { what, unit: 'runs' });
  const out: RunRecord[] = new Array<RunRecord>(tasks.length);
  const threads = Math.min(workers, tasks.length);
  if (threads === 0) {
    try {
      tasks.forEach((t, i) => {
        out[i] = runTask(t);
        bar.tick(out[i].status === 'error');
      });
    } finally {
      bar.stop();
    }
    return out;
  }
  const fromSource = import.meta.url.endsWith('.ts');
  const pool = new Tinypool({
    filename: new URL(fromSource ? '../sweep/worker-tsx.mjs' : '../sweep/worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      const record = (await pool.run(tasks[i])) as RunRecord;
      out[i] = record;
      bar.tick(record.status === 'error');
    }
  };
  try {
    await Promise.all(Array.from({ length: threads }, worker));
  } finally {
    bar.stop();
    await pool.destroy();
  }
  return out;
}
