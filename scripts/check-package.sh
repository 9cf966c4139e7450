#!/usr/bin/env bash
# A user's first minutes, from the published artefact: pack the package, install the
# tarball into an empty project, import its light entry points and run the README's
# quick start. Run by .ci/run after the tests.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
tarball="$(npm pack --silent --pack-destination "$work" | tail -1)"
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund "./$tarball" >/dev/null
node --input-type=module -e '
  import { MetricFrame } from "equipoise/fairness";
  import { calibrateNoise } from "equipoise/privacy/accounting";
  import { fit, UserError } from "equipoise";
  import { accounting, search } from "equipoise/browser";
  const frame = new MetricFrame({ metrics: ["accuracy"], yTrue: [1, 0], yPred: [1, 1], sensitiveFeatures: [{ name: "g", values: ["a", "b"] }] });
  if (frame.overall.accuracy !== 0.5 || typeof fit.fitRecipe !== "function" || !(calibrateNoise({ targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 100 }).noise > 0) || typeof UserError !== "function" || typeof accounting.createAccountant !== "function" || search.hypervolume([[0.5, 0.5]], [1, 1]) !== 0.25) process.exit(1);
  console.log("the installed package imports");'
# The README's quick start, as written there.
quick_start="$(grep -m1 '^npm install && npx equipoise explore' "$root/README.md" | sed 's/^npm install && //')"
echo "running: $quick_start"
eval "$quick_start"
test -s adult-report.html
echo "quick start from the packed tarball: ok"
