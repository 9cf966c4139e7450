/** `equipoise privacy epsilon` and `equipoise privacy noise`: privacy accounting without training. */
import { UsageError } from "../../common/errors.js";
import type { AccountantKind } from "../../privacy/accountants/accountant.js";
import { ACCOUNTANT_KINDS } from "../../privacy/accountants/index.js";
import { calibrateNoise, privacyForNoise } from "../../privacy/calibration.js";
import { defineCommand, type Output, parseNumber, requireOption } from "../command.js";

const sharedOptions = {
  "sample-rate": {
    type: "string",
    valueName: "Q",
    description: "Poisson sample rate q = expected batch size / dataset size, in (0, 1]; '1/118' is accepted",
  },
  steps: {
    type: "string",
    valueName: "T",
    description: "number of noisy gradient steps (a whole number from 1 to 2^53 - 1)",
  },
  delta: {
    type: "string",
    valueName: "D",
    description: "delta of (epsilon, delta)-DP, in (0, 1)",
    default: "1e-5",
  },
  accountant: { type: "string", valueName: "rdp|prv", description: "privacy accountant", default: "rdp" },
  "epsilon-error": {
    type: "string",
    valueName: "E",
    description: "PRV only: allowed epsilon error of the upper bound (larger = coarser grid, faster)",
    default: "0.01",
  },
} as const;

interface SharedValues {
  "sample-rate"?: string;
  steps?: string;
  delta: string;
  accountant: string;
  "epsilon-error": string;
}

function parseShared(options: SharedValues) {
  const sampleRate = parseNumber("sample-rate", requireOption("sample-rate", options["sample-rate"]), {
    min: 0,
    minExclusive: true,
    max: 1,
  });
  const steps = parseNumber("steps", requireOption("steps", options.steps), {
    integer: true,
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
  });
  const delta = parseNumber("delta", options.delta, {
    min: 0,
    minExclusive: true,
    max: 1,
    maxExclusive: true,
  });
  const accountant = options.accountant as AccountantKind;
  if (!ACCOUNTANT_KINDS.includes(accountant)) {
    throw new UsageError(
      `--accountant must be one of ${ACCOUNTANT_KINDS.join(", ")}, got '${options.accountant}'`,
    );
  }
  const epsError = parseNumber("epsilon-error", options["epsilon-error"], {
    min: 0,
    minExclusive: true,
    max: 1,
  });
  return { sampleRate, steps, delta, accountant, prv: { epsError } };
}

const ACCOUNTING_DETAILS = `The mechanism is DP-SGD's: Poisson sampling with rate q, per-example clipping, Gaussian
noise of std noise × clip norm, repeated for T steps. Both accountants give upper bounds on
epsilon. RDP (Mironov et al. 2019, Opacus's orders widened to 1.01-4096) reports the optimal
order and warns when it is on the edge of the grid. PRV (Gopi et al. 2021, both neighbouring
directions) reports an upper bound within its epsilon error (0.01) and the estimate; when its
grid would exceed 2^22 points it raises the error, or reports the RDP bound, and says so.
Warnings go to stderr (and into "warnings" with --json).`;

function fixed(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(6) : String(x);
}

function noteWarnings(out: Output, warnings: readonly string[] | undefined): void {
  for (const warning of warnings ?? []) out.note(`warning: ${warning}`);
}

export const privacyEpsilon = defineCommand({
  name: "privacy epsilon",
  summary: "epsilon spent by DP-SGD with a given noise multiplier",
  options: {
    ...sharedOptions,
    noise: { type: "string", valueName: "SIGMA", description: "noise multiplier sigma (> 0)" },
  },
  details: `${ACCOUNTING_DETAILS}\n\nExample: equipoise privacy epsilon --sample-rate 0.01 --noise 1.0 --steps 1000`,
  run({ options, out }) {
    const shared = parseShared(options);
    const noise = parseNumber("noise", requireOption("noise", options.noise), { min: 0, minExclusive: true });
    const spent = privacyForNoise(noise, shared);
    const doc: Record<string, unknown> = {
      epsilon: spent.epsilon,
      accountant: spent.accountant,
      requestedAccountant: shared.accountant,
      sampleRate: shared.sampleRate,
      noise,
      steps: shared.steps,
      delta: shared.delta,
    };
    if (spent.accountant === "rdp") doc.order = spent.order;
    else
      Object.assign(doc, {
        upperBound: spent.epsilon,
        estimate: spent.estimate,
        epsilonError: spent.epsilonError,
      });
    doc.warnings = spent.warnings ?? [];
    noteWarnings(out, spent.warnings);
    if (out.wantsJson) return out.json(doc);
    out.print(
      `epsilon = ${fixed(spent.epsilon)} at delta = ${shared.delta} (${spent.accountant} accountant, an upper bound)`,
    );
    if (spent.accountant === "rdp") out.print(`optimal RDP order: ${spent.order}`);
    else out.print(`estimate ${fixed(spent.estimate ?? Number.NaN)}, epsilon error ${spent.epsilonError}`);
  },
});

export const privacyNoise = defineCommand({
  name: "privacy noise",
  summary: "smallest noise multiplier that reaches a target epsilon",
  options: {
    ...sharedOptions,
    epsilon: { type: "string", valueName: "E", description: "target epsilon (> 0)" },
  },
  details: `${ACCOUNTING_DETAILS}\nThe noise is found by a bounded search: its epsilon is at most the target and within
min(0.01, 1% of the target) of it.\n\nExample: equipoise privacy noise --sample-rate 0.0085 --epsilon 1 --steps 1180`,
  run({ options, out }) {
    const shared = parseShared(options);
    const targetEpsilon = parseNumber("epsilon", requireOption("epsilon", options.epsilon), {
      min: 0,
      minExclusive: true,
    });
    const result = calibrateNoise({ targetEpsilon, ...shared });
    const doc = {
      noise: result.noise,
      epsilon: result.epsilon,
      targetEpsilon,
      accountant: result.accountant,
      requestedAccountant: shared.accountant,
      sampleRate: shared.sampleRate,
      steps: shared.steps,
      delta: shared.delta,
      warnings: result.warnings ?? [],
    };
    noteWarnings(out, result.warnings);
    if (out.wantsJson) return out.json(doc);
    out.print(
      `noise multiplier = ${fixed(result.noise)} (epsilon ${fixed(result.epsilon)} <= ${targetEpsilon} at delta = ${shared.delta}, ${result.accountant} accountant)`,
    );
  },
});
