// The engine's public surface: a pure rolling-update state machine.
export * from './spec.js';
export * from './types.js';
export * from './state.js';
export * from './catalog.js';
export * from './k8s.js';
export * from './validate.js';
export * from './engine.js';
export * from './invariants.js';
