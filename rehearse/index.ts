// What the rehearse layer offers the package API: rehearse() and plan(), each returning the JSON
// object its command writes (rehearsal.json, plan.json), and their types.
export {
  rehearse,
  parseFaults,
  RehearsalBaselineError,
  RehearsalInputError,
  RehearsalInterrupted,
  type RehearseOptions,
} from './rehearse.js';
export {
  plan,
  DEFAULT_PLAN_SEEDS,
  RECOMMEND_RULE,
  type Plan,
  type PlanOptions,
  type Verdict,
} from './preflight.js';
export { rehearsalHtml } from './html.js';
export { planMarkdown } from './plan-md.js';
export {
  FAULT_KINDS,
  FAULT_MEANING,
  type BranchResult,
  type FaultKind,
  type Rehearsal,
  type RehearsalStep,
} from './types.js';
