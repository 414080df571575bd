// The layer order of the production folders and the two checks test/architecture.test.ts runs on it.
import { posix } from 'node:path';

/**
 * Production folders from the bottom up. A file may import from its own folder and from folders of
 * earlier layers only; folders that share a layer are peers and may not import each other.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['k8s'], // pure Kubernetes arithmetic (Deployment rolling update, HPA)
  ['catalog'], // GPUs, models, the deployment spec
  ['physics'], // serving physics: cold start by phase, continuous batching, calibration (pure)
  ['engine'], // the pure rolling-update state machine
  ['scenario'], // the scenario format: schema, loading, meaning checks, traces, writing back to YAML
  ['result'], // the result.json contract, metrics definitions, expectations
  ['sim'], // the discrete-event simulator and the one effect driver
  ['reports'], // charts, HTML, Markdown, JUnit
  ['sweep', 'conformance'], // seed sweeps; the Kubernetes vector runner
  ['rehearse'], // rehearsals (every rollout state × fault) and the pre-flight plan
  ['api'], // the library API: the package entry point, the only public import
  ['cli'], // the command line
];

export interface SourceFile {
  /** Path relative to the repository root, with forward slashes. */
  readonly path: string;
  readonly text: string;
}

const layerOf = new Map<string, number>(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));

function folderOf(path: string): string {
  return path.split('/')[0] ?? '';
}

/** Relative imports of a file, resolved to repository paths of .ts files. */
export function localImports(file: SourceFile): string[] {
  const specs = [...file.text.matchAll(/^(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm)];
  return specs.map((m) =>
    posix.normalize(posix.join(posix.dirname(file.path), m[1] ?? '')).replace(/\.js$/, '.ts'),
  );
}

/** Imports against the layer order, as readable lines. */
export function importViolations(files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const from = folderOf(file.path);
    const fromLayer = layerOf.get(from);
    for (const target of localImports(file)) {
      const to = folderOf(target);
      if (to === from) continue;
      const toLayer = layerOf.get(to);
      if (fromLayer === undefined || toLayer === undefined || toLayer >= fromLayer)
        out.push(`${file.path} imports ${target} (${from}/ may not import ${to}/)`);
    }
  }
  return out;
}

/** Each file cycle once, as the path around it (first file repeated at the end), in sorted order. */
export function fileCycles(files: readonly SourceFile[]): string[][] {
  const graph = new Map(files.map((f) => [f.path, localImports(f).filter((t) => t !== f.path)] as const));
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      const s = state.get(next);
      if (s === 'open') {
        const cycle = stack.slice(stack.indexOf(next));
        const key = [...cycle].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, next]);
        }
      } else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}
