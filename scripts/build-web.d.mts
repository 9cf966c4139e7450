/** Types of build-web.mjs for the tests that build the browser side. */
export interface BuiltWeb {
  outdir: string;
  /** Bytes of each JavaScript bundle. */
  bytes: Record<string, number>;
  /** Which Node-only imports each importer reached (resolved to throwing stubs). */
  stubbed: Record<string, string[]>;
}
export function buildWeb(options?: { outdir?: string; minify?: boolean; quiet?: boolean }): Promise<BuiltWeb>;
