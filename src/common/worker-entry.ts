/**
 * Where a worker-thread module beside a caller is, for `new Worker(...)`: compiled, the
 * `.js` file itself; from source (tests, tsx), a tiny bootstrap evaluated in the worker,
 * because a worker thread does not inherit tsx's loader and must register it first.
 * Pure: nothing of node:worker_threads is imported here, so browser bundles that reach
 * a pool module gain no Node-only import from it.
 */
export interface WorkerEntry {
  /** The first argument of `new Worker`. */
  specifier: URL | string;
  /** Whether `specifier` is code to evaluate (the tsx bootstrap). */
  eval: boolean;
}

/** The worker module `name` (without extension) beside the module at `from` (its import.meta.url). */
export function siblingWorkerEntry(from: string, name: string): WorkerEntry {
  if (!from.endsWith(".ts")) return { specifier: new URL(`./${name}.js`, from), eval: false };
  const tsx = import.meta.resolve("tsx/esm/api");
  const source = new URL(`./${name}.ts`, from).href;
  return {
    specifier: `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(source)}); });`,
    eval: true,
  };
}
