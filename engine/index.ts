// The engine's public surface: a pure rolling-update state machine.
export * from '../catalog/spec.js';
export * from './types.js';
export * from './state.js';
export * from '../catalog/catalog.js';
export * from '../k8s/deployment.js';
export * from './validate.js';
export * from './step.js';
export * from './invariants.js';
