// One rehearsal branch inside a worker thread of the sweep pool.
import { runBranch, type BranchTask } from './branch.js';
import type { BranchResult } from './types.js';

export default function runTask(task: BranchTask): { key: string; branch: BranchResult } {
  return { key: task.key, branch: runBranch(task) };
}
