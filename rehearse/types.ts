// The rehearsal.json contract: the intermediate states of one edit's rollout, and for each state and
// each fault kind what would happen if that fault struck there.
import type { EditOutcome, RollbackReason } from '../engine/types.js';

/** The fault kinds a rehearsal places at every state, in matrix column order. */
export const FAULT_KINDS = ['health', 'nodeLoss', 'squeeze', 'abort'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULT_MEANING: Readonly<Record<FaultKind, string>> = {
  health:
    'the new revision starts failing its health checks (running and new instances alike; for an in-place edit, the instances it added)',
  nodeLoss: 'in the pool the deployment uses most, the node holding most of its GPUs is lost for good',
  squeeze: 'another workload takes every GPU that is free in the deployment’s pools, until the end',
  abort: 'a rollback is requested',
};

/** Instances of one revision by the engine's phase; `starting` = has GPUs and is loading. */
export interface RevisionCounts {
  readonly pending: number;
  readonly starting: number;
  readonly ready: number;
  readonly draining: number;
}

export interface RehearsalStep {
  readonly index: number;
  /** When the rollout reached this state (the fault strikes 1 ms later, while it still holds). */
  readonly atMs: number;
  /** The rollout phase: rolling, scaling, monitoring or rollingBack. */
  readonly phase: string;
  /** Per revision (`rev1`, `rev2`, ...). */
  readonly instances: Readonly<Record<string, RevisionCounts>>;
  /** Per pool: GPUs the deployment holds and GPUs free at this state. */
  readonly pools: Readonly<Record<string, { readonly deployment: number; readonly free: number }>>;
}

export type BranchOutcome = EditOutcome | 'unfinished' | 'error';

export interface BranchResult {
  readonly step: number;
  readonly fault: FaultKind;
  readonly faultAtMs: number;
  /** The edit's outcome in this branch (`unfinished`: still going at the end; `error`: the run failed). */
  readonly outcome: BranchOutcome;
  readonly reason: RollbackReason | null;
  /** From the fault until the prior revision was back at its full ready count (rolling back or after); null if never. */
  readonly restoredMs: number | null;
  /**
   * Whether the deployment got back to full strength: `prior` (rolled back, prior revision at its full
   * ready count), `new` (the edit completed despite the fault, the new revision at the desired count),
   * or null (neither, by the end of the run).
   */
  readonly recovered: 'prior' | 'new' | null;
  readonly downtimeMs: number;
  readonly droppedPercent: number;
  /** Most GPUs the deployment held at once, per pool. */
  readonly peakGpus: Readonly<Record<string, number>>;
  /** Every engine invariant held at every step of the run. */
  readonly invariantsHeld: boolean;
  /** false when an invariant broke, a limit of `expect` was exceeded, or the deployment was not restored. */
  readonly pass: boolean;
  /** Why it does not pass, in words (empty when it passes). */
  readonly problems: readonly string[];
  /** The command that replays this branch and writes its full run report. */
  readonly replay: string;
}

export interface Rehearsal {
  readonly scenario: string;
  /** The edit's action index, from 0 (result.json `edits[].index`); texts show it plus one ("edit 1"). */
  readonly edit: number;
  readonly seed: number;
  readonly fromRevision: number;
  readonly toRevision: number;
  /** Ready instances of the prior revision when the edit was requested: what "restored" means. */
  readonly priorReadyCount: number;
  readonly faults: readonly FaultKind[];
  readonly faultMeaning: Readonly<Record<string, string>>;
  readonly limits: { readonly maxDowntimeMs: number | null; readonly maxDroppedPercent: number | null };
  /**
   * The limits the scenario's own run, with no injected fault, already breaks: every branch then fails
   * them whatever its fault does, so the verdicts say nothing about the faults. Empty when it meets them.
   */
  readonly baselineBreaches: readonly string[];
  readonly steps: readonly RehearsalStep[];
  readonly branches: readonly BranchResult[];
  readonly summary: {
    readonly branches: number;
    readonly passed: number;
    readonly failed: number;
    /** Branches not run yet (a shard ran only its share). */
    readonly missing: number;
  };
}
