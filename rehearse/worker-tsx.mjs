// Worker entry used only when rollsim runs from TypeScript sources (tests, tsx): registers tsx in
// this worker thread, then delegates to worker.ts. The built package uses dist/rehearse/worker.js.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./worker.ts');

export default worker.default;
