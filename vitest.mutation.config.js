// Vitest settings for mutation testing (`npm run mutation`, `npm run mutation:by-file`; StrykerJS): the
// engine-level tests only, with fewer property runs per mutant (FC_NUM_RUNS, default 50 here) so a full
// pass takes about 75 minutes on 2 cores. Test files here must call the engine inside their tests, not at
// import: StrykerJS switches a mutant on just before the tests run.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/engine-rollout.test.ts',
      'test/validate.test.ts',
      'test/properties-engine.test.ts',
      'test/properties-rules.test.ts',
      'test/properties-invariants.test.ts',
      'test/properties-validate-edges.test.ts',
      'test/model-based.test.ts',
      'test/conformance.test.ts',
      'test/conformance-extra.test.ts',
      'test/k8s-edges.test.ts',
      'test/catalog.test.ts',
      'test/engine-steps.test.ts',
      'test/engine-resize.test.ts',
      'test/engine-removal.test.ts',
      'test/instance-table.test.ts',
      'test/engine-plain-map.test.ts',
      'test/instance-table-edges.test.ts',
      'test/validate-mutants.test.ts',
      'test/invariants-mutants.test.ts',
    ],
    // The coverage probes need their full fixed sample; mutants are judged by the properties.
    testNamePattern: '^(?!.*coverage:)',
    env: { FC_NUM_RUNS: process.env.FC_NUM_RUNS ?? '50' },
    testTimeout: 120_000,
  },
});
