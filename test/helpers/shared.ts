/**
 * The reference copies in ../shared (datasets, reference values) exist on the
 * project's machines and in CI, not in a user's fresh clone. A test that truly needs
 * one of the large files passes `needsShared(...)` as its options: on a user's clone
 * it is skipped with the stated reason; under CI=true it always runs, so a missing
 * copy there is a failure, never a silent skip. Small references live in
 * test/fixtures instead and need nothing from here.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const sharedDatasets = fileURLToPath(new URL("../../../shared/datasets", import.meta.url));
export const sharedReferences = fileURLToPath(new URL("../../../shared/references", import.meta.url));
export const fixtures = fileURLToPath(new URL("../fixtures", import.meta.url));

/** Test options: skip (with the reason) when a file under ../shared/datasets is absent outside CI. */
export function needsShared(...relativePaths: string[]): { skip?: string } {
  const missing = relativePaths.filter((path) => !existsSync(join(sharedDatasets, path)));
  if (missing.length === 0 || process.env.CI === "true") return {};
  return {
    skip: `needs ${missing.join(", ")} from ../shared/datasets (not in a fresh clone; mandatory under CI=true)`,
  };
}
