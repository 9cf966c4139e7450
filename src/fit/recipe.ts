/**
 * The training recipe: which model, how it is optimised, with DP-SGD or not, with
 * which fairness mitigation — one zod schema from which everything else is derived
 * (Zod's "schema → type → validation → help text"):
 *  - the TypeScript type (`Recipe`, inferred; the defaults live here),
 *  - validation of a recipe from a library caller, a stored model file or a study,
 *  - the `train` command's options, parsing and help (cli/recipe-options.ts walks the
 *    schema and reads each field's CLI metadata from `recipeCli`).
 * Cross-field rules (DP needs Poisson sampling, exactly one of a noise multiplier
 * and a target ε...) are refinements here, so every caller gets the same answer.
 *
 * This module is light: it loads neither the tensor engine nor Node-only modules.
 */
import { z } from "zod";
import { DEFAULT_DELTA } from "../common/defaults.js";
import { UserError } from "../common/errors.js";
import { CONSTRAINT_SHORT_NAMES, type FairnessConstraint, shortNameOf } from "../fairness/constraint.js";
import { architectureProblem, isArchitectureString } from "../nn/architecture-string.js";

/**
 * How a recipe field appears on the command line.
 *
 * @example
 * ```ts
 * import { type CliField, recipeCli, recipeSchema } from "equipoise/fit";
 * const epochs: CliField | undefined = recipeCli.get(recipeSchema.in.shape.epochs);
 * epochs?.flag; // "epochs": written --epochs N on the command line
 * epochs?.valueName; // "N"
 * ```
 */
export interface CliField {
  /** The option name without dashes, e.g. "lr". */
  flag: string;
  /** The placeholder in the help text, e.g. "LR". */
  valueName?: string;
  description: string;
  /**
   * Giving this flag also selects a variant of the enclosing discriminated union
   * (e.g. --fair selects the penalty mitigation), unless the discriminator's own flag
   * is given.
   */
  implies?: string;
}

/**
 * CLI metadata of the recipe's fields, filled once when this module loads and never
 * changed afterwards (a zod registry rather than a global one, so nothing else can add to it).
 *
 * @example
 * ```ts
 * import { recipeCli, recipeSchema } from "equipoise/fit";
 * recipeCli.get(recipeSchema.in.shape.batchSize)?.flag; // "batch": the train command's --batch B
 * recipeCli.get(recipeSchema.in.shape.model)?.valueName; // "SPEC"
 * ```
 */
export const recipeCli = z.registry<CliField>();

// ---- field builders: each states its rule once, as the error message ------------------

function wholeNumber(min: number) {
  const rule = `must be a whole number ≥ ${min}`;
  return z.number({ error: rule }).int({ error: rule }).min(min, { error: rule });
}

function positiveNumber() {
  const rule = "must be a number > 0";
  return z.number({ error: rule }).positive({ error: rule });
}

function nonNegativeNumber() {
  const rule = "must be a number ≥ 0";
  return z.number({ error: rule }).min(0, { error: rule });
}

/** A number in the open interval (0, 1). */
function openFraction() {
  const rule = "must be a number in (0, 1)";
  return z.number({ error: rule }).gt(0, { error: rule }).lt(1, { error: rule });
}

function choice<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(", ")}` });
}

// ---- model specs: the grammar of nn/spec.ts, checked without loading the engine ------

/**
 * How model specs are written ("logreg", "mlp:64,64", "cnn", architecture strings).
 *
 * @example
 * ```ts
 * import { isModelSpec, MODEL_SPEC_HELP } from "equipoise/fit";
 * const spec = "mlp:64,32";
 * if (!isModelSpec(spec)) throw new Error(`unknown model '${spec}'; known: ${MODEL_SPEC_HELP}`);
 * ```
 */
export const MODEL_SPEC_HELP =
  "logreg, mlp:H1,H2,... (ReLU hidden layers), cnn or cnn:F1,F2 (small CNN), or an architecture string (mlp:width=...:act=..., cnn:channels=...:kernel=...; see docs/nas.md)";
const WIDTHS = "[1-9]\\d{0,4}(,[1-9]\\d{0,4})*";
const MODEL_SPEC = new RegExp(`^(logreg|mlp:${WIDTHS}|cnn(:[1-9]\\d{0,4},[1-9]\\d{0,4})?)$`);

/**
 * True for the spellings nn/spec.ts builds (layer widths 1–99,999; architecture strings that parse).
 *
 * @example
 * ```ts
 * import { isModelSpec } from "equipoise/fit";
 * isModelSpec("mlp:64,32"); // true
 * isModelSpec("cnn"); // true
 * isModelSpec("mlp:0"); // false: widths are 1–99,999
 * ```
 */
export function isModelSpec(spec: string): boolean {
  return MODEL_SPEC.test(spec) || (isArchitectureString(spec) && architectureProblem(spec) === null);
}

const modelSpec = z.string({ error: `must be a model spec: ${MODEL_SPEC_HELP}` }).refine(isModelSpec, {
  error: (issue) =>
    typeof issue.input === "string" && isArchitectureString(issue.input)
      ? `{model}: ${architectureProblem(issue.input)}`
      : `{model}: unknown model '${issue.input}'; known: ${MODEL_SPEC_HELP}`,
});

// ---- the recipe ------------------------------------------------------------------

/**
 * The optimiser defaults: Adam at η = 0.01 annealed to 0 by a cosine schedule, batches
 * of 128. Chosen for logistic regression on a validation split carved from Adult's
 * training split (the lowest validation log-loss of 75 settings, equal to the
 * L-BFGS optimum's; BENCHMARKS.md, "Default training settings"); the test split was
 * read once, after the choice.
 *
 * @example
 * ```ts
 * import { DEFAULT_OPTIMIZER, parseRecipe } from "equipoise/fit";
 * DEFAULT_OPTIMIZER; // "adam"
 * parseRecipe({ model: "logreg" }).optimizer.kind; // "adam" when the recipe names none
 * ```
 */
export const DEFAULT_OPTIMIZER = "adam";
/**
 * The recipe's default learning rate (Adam), chosen in BENCHMARKS.md ("Default training settings").
 *
 * @example
 * ```ts
 * import { DEFAULT_LEARNING_RATE, parseRecipe } from "equipoise/fit";
 * DEFAULT_LEARNING_RATE; // 0.01
 * parseRecipe({ model: "logreg" }).optimizer.learningRate; // 0.01 unless --lr says otherwise
 * ```
 */
export const DEFAULT_LEARNING_RATE = 0.01;
/**
 * The recipe's default batch size.
 *
 * @example
 * ```ts
 * import { DEFAULT_BATCH_SIZE, parseRecipe } from "equipoise/fit";
 * DEFAULT_BATCH_SIZE; // 128
 * parseRecipe({ model: "logreg" }).batchSize; // 128 unless --batch says otherwise
 * ```
 */
export const DEFAULT_BATCH_SIZE = 128;

const optimizerSchema = z
  .strictObject({
    kind: choice(["sgd", "adam"])
      .default(DEFAULT_OPTIMIZER)
      .register(recipeCli, { flag: "optimizer", valueName: "sgd|adam", description: "optimiser" }),
    learningRate: positiveNumber()
      .default(DEFAULT_LEARNING_RATE)
      .register(recipeCli, { flag: "lr", valueName: "LR", description: "learning rate" }),
    momentum: z
      .number({ error: "must be a number in [0, 1)" })
      .min(0, { error: "must be a number in [0, 1)" })
      .lt(1, { error: "must be a number in [0, 1)" })
      .default(0)
      .register(recipeCli, {
        flag: "momentum",
        valueName: "M",
        description: "SGD momentum (PyTorch's rule)",
      }),
    weightDecay: nonNegativeNumber()
      .default(0)
      .register(recipeCli, { flag: "weight-decay", valueName: "L2", description: "L2 weight decay" }),
    schedule: choice(["constant", "cosine"]).default("cosine").register(recipeCli, {
      flag: "lr-schedule",
      valueName: "constant|cosine",
      description: "learning rate over the run: constant, or annealed to 0 along a half cosine",
    }),
  })
  .superRefine((optimizer, context) => {
    if (optimizer.kind !== "sgd" && optimizer.momentum !== 0) {
      context.addIssue({
        code: "custom",
        path: ["momentum"],
        message: "{optimizer.momentum} applies to {optimizer.kind} sgd only",
      });
    }
  });

const privacySchema = z
  .strictObject({
    targetEpsilon: positiveNumber().optional().register(recipeCli, {
      flag: "epsilon",
      valueName: "E",
      description: "target epsilon; the noise multiplier is calibrated to it",
    }),
    noiseMultiplier: positiveNumber().optional().register(recipeCli, {
      flag: "noise",
      valueName: "SIGMA",
      description: "noise multiplier (instead of --epsilon)",
    }),
    clip: positiveNumber().register(recipeCli, {
      flag: "clip",
      valueName: "C",
      description: "per-example gradient clipping norm",
    }),
    delta: openFraction()
      .default(DEFAULT_DELTA)
      .register(recipeCli, { flag: "delta", valueName: "D", description: "delta of (epsilon, delta)-DP" }),
    accountant: choice(["rdp", "prv"])
      .default("rdp")
      .register(recipeCli, { flag: "accountant", valueName: "rdp|prv", description: "privacy accountant" }),
    clipping: choice(["flat", "per-layer"]).default("flat").register(recipeCli, {
      flag: "clipping",
      valueName: "flat|per-layer",
      description: "clip the whole gradient to C, or each layer's part to C/√layers",
    }),
    noiseSeed: wholeNumber(0).optional().register(recipeCli, {
      flag: "dp-seed",
      valueName: "S",
      description: "seeded noise and sampling: reproducible but NOT for release (default: secure randomness)",
    }),
  })
  .superRefine((privacy, context) => {
    const calibrated = privacy.targetEpsilon !== undefined;
    const given = privacy.noiseMultiplier !== undefined;
    if (calibrated && given) {
      context.addIssue({
        code: "custom",
        message:
          "give either {privacy.targetEpsilon} (a target; the noise is calibrated) or {privacy.noiseMultiplier} (a noise multiplier), not both",
      });
    } else if (!calibrated && !given) {
      context.addIssue({
        code: "custom",
        message:
          "{privacy} needs {privacy.targetEpsilon} E (a target epsilon) or {privacy.noiseMultiplier} SIGMA (a noise multiplier)",
      });
    }
  })
  .register(recipeCli, {
    flag: "dp",
    description: "train with DP-SGD (Poisson sampling, per-example clipping, Gaussian noise)",
  });

/**
 * The gaps the fairness penalty has a differentiable surrogate for (fairness/penalty.ts).
 *
 * @example
 * ```ts
 * import { PENALTY_CONSTRAINTS, parseRecipe } from "equipoise/fit";
 * PENALTY_CONSTRAINTS; // ["demographic_parity", "equalized_odds"]
 * const recipe = parseRecipe({ model: "logreg", fairness: { method: "penalty", constraint: "eo" } });
 * recipe.fairness; // { method: "penalty", constraint: "equalized_odds", weight: 1, referenceFraction: 0.1 }
 * ```
 */
export const PENALTY_CONSTRAINTS = [
  "demographic_parity",
  "equalized_odds",
] as const satisfies readonly FairnessConstraint[];

const penaltyConstraint = z.preprocess(
  (value) =>
    typeof value === "string" && Object.hasOwn(CONSTRAINT_SHORT_NAMES, value)
      ? CONSTRAINT_SHORT_NAMES[value as keyof typeof CONSTRAINT_SHORT_NAMES]
      : value,
  z.enum(PENALTY_CONSTRAINTS, {
    error: `must be one of ${PENALTY_CONSTRAINTS.map((c) => `${shortNameOf(c)} (${c.replaceAll("_", " ")})`).join(", ")}`,
  }),
);

const mitigationFlag = {
  flag: "mitigation",
  valueName: "none|penalty|reweighing",
  description: "fairness mitigation (default: penalty with --fair, else none)",
};
const attributeField = () =>
  z.string().min(1, { error: "must name a sensitive attribute" }).optional().register(recipeCli, {
    flag: "fair-attribute",
    valueName: "COL",
    description: "the sensitive attribute the mitigation acts on (default: the first)",
  });
/**
 * Share of the training split held out, under DP, as the reference set of the
 * fairness penalty's group statistics (fairness/reference-penalty.ts).
 *
 * @example
 * ```ts
 * import { DEFAULT_REFERENCE_FRACTION, parseRecipe } from "equipoise/fit";
 * DEFAULT_REFERENCE_FRACTION; // 0.1: a tenth of the training rows, under --dp
 * const recipe = parseRecipe({
 *   model: "logreg",
 *   privacy: { targetEpsilon: 1, clip: 1 },
 *   fairness: { method: "penalty", constraint: "demographic_parity" },
 * });
 * recipe.fairness.method === "penalty" && recipe.fairness.referenceFraction; // 0.1
 * ```
 */
export const DEFAULT_REFERENCE_FRACTION = 0.1;

const fairnessSchema = z
  .discriminatedUnion(
    "method",
    [
      z.strictObject({ method: z.literal("none").register(recipeCli, mitigationFlag) }),
      z.strictObject({
        method: z.literal("penalty").register(recipeCli, mitigationFlag),
        constraint: penaltyConstraint.register(recipeCli, {
          flag: "fair",
          valueName: "dp|eo",
          description:
            "fairness penalty on a sensitive attribute's demographic parity (dp) or equalized odds (eo) gap",
          implies: "penalty",
        }),
        weight: nonNegativeNumber()
          .default(1)
          .register(recipeCli, { flag: "fair-weight", valueName: "W", description: "penalty weight λ" }),
        referenceFraction: openFraction().default(DEFAULT_REFERENCE_FRACTION).register(recipeCli, {
          flag: "fair-reference",
          valueName: "F",
          description:
            "share of the training split held out, under --dp, for the penalty's group statistics (NOT protected by epsilon)",
        }),
        attribute: attributeField(),
      }),
      z.strictObject({
        method: z.literal("reweighing").register(recipeCli, mitigationFlag),
        attribute: attributeField(),
      }),
    ],
    { error: "must be one of none, penalty, reweighing" },
  )
  .prefault({ method: "none" });

/**
 * The training recipe's zod schema: model, optimiser, epochs, batch, seed, DP-SGD, fairness mitigation.
 *
 * @example
 * ```ts
 * import { recipeSchema } from "equipoise/fit";
 * const parsed = recipeSchema.safeParse({ model: "mlp:64,32", epochs: 5, privacy: { noiseMultiplier: 1.1, clip: 1 } });
 * parsed.success && parsed.data.sampling; // "poisson": DP-SGD's sampling, filled in
 * recipeSchema.safeParse({ model: "logreg", epochs: 0 }).success; // false: epochs must be a whole number ≥ 1
 * ```
 */
export const recipeSchema = z
  .strictObject({
    model: modelSpec
      .default("logreg")
      .register(recipeCli, { flag: "model", valueName: "SPEC", description: `model: ${MODEL_SPEC_HELP}` }),
    optimizer: optimizerSchema.prefault({}),
    epochs: wholeNumber(1)
      .default(10)
      .register(recipeCli, { flag: "epochs", valueName: "N", description: "passes over the training data" }),
    batchSize: wholeNumber(1).default(DEFAULT_BATCH_SIZE).register(recipeCli, {
      flag: "batch",
      valueName: "B",
      description: "batch size (the expected batch size under Poisson sampling)",
    }),
    sampling: choice(["shuffle", "poisson"]).optional().register(recipeCli, {
      flag: "sampling",
      valueName: "shuffle|poisson",
      description: "how batches are drawn (default: shuffle; poisson, and only poisson, with --dp)",
    }),
    seed: wholeNumber(0).default(0).register(recipeCli, {
      flag: "seed",
      valueName: "S",
      description: "seed of initialisation and batch order",
    }),
    classWeighting: choice(["none", "balanced"]).default("none").register(recipeCli, {
      flag: "class-weight",
      valueName: "none|balanced",
      description:
        "balanced: weight examples inversely to their class's frequency (scaled so the largest weight is 1 with --dp)",
    }),
    privacy: privacySchema.optional(),
    fairness: fairnessSchema,
    /** How the features were preprocessed (recorded for the model file; set by the data layer's caller). */
    preprocessing: choice(["fit", "public", "private"]).optional(),
  })
  .superRefine((recipe, context) => {
    if (recipe.privacy && recipe.sampling === "shuffle") {
      context.addIssue({
        code: "custom",
        path: ["sampling"],
        message:
          "{sampling} shuffle cannot be used with {privacy}: the accountant's privacy amplification by sampling holds for Poisson sampling only (drop {sampling})",
      });
    }
    if (recipe.privacy && recipe.fairness.method === "reweighing") {
      context.addIssue({
        code: "custom",
        path: ["fairness", "method"],
        message:
          "{fairness.method} reweighing cannot be combined with {privacy}: its weights are statistics of the private training rows (use the penalty, {fairness.constraint}, whose statistics come from a held-out reference split)",
      });
    }
  })
  .transform((recipe) => ({
    ...recipe,
    sampling: recipe.sampling ?? (recipe.privacy ? "poisson" : "shuffle"),
  }));

/**
 * A validated, normalised recipe: every default filled in.
 *
 * @example
 * ```ts
 * import { parseRecipe, type Recipe } from "equipoise/fit";
 * const recipe: Recipe = parseRecipe({ model: "logreg", epochs: 5 });
 * recipe.batchSize; // 128: every default filled in
 * recipe.privacy; // undefined: not a DP-SGD recipe
 * ```
 */
export type Recipe = z.output<typeof recipeSchema>;
/**
 * What a caller may write: any field with a default may be left out.
 *
 * @example
 * ```ts
 * import { fitRecipe, type FitData, type RecipeInput } from "equipoise/fit";
 * declare const data: FitData; // the training split, classes and input shape (see fitRecipe)
 * const input: RecipeInput = { model: "mlp:64,32", epochs: 5, optimizer: { learningRate: 0.001 } };
 * const { model } = fitRecipe(input, data);
 * ```
 */
export type RecipeInput = z.input<typeof recipeSchema>;
/**
 * A recipe's DP-SGD settings (target ε or noise multiplier, clipping norm, δ, accountant).
 *
 * @example
 * ```ts
 * import { parseRecipe, type PrivacyRecipe } from "equipoise/fit";
 * const privacy: PrivacyRecipe | undefined = parseRecipe({ model: "logreg", privacy: { targetEpsilon: 1, clip: 1 } }).privacy;
 * privacy?.delta; // 1e-5 by default
 * privacy?.accountant; // "rdp" by default
 * ```
 */
export type PrivacyRecipe = NonNullable<Recipe["privacy"]>;
/**
 * A recipe's fairness mitigation.
 *
 * @example
 * ```ts
 * import { type FairnessRecipe, parseRecipe } from "equipoise/fit";
 * const fairness: FairnessRecipe = parseRecipe({ model: "logreg", fairness: { method: "reweighing" } }).fairness;
 * fairness.method; // "reweighing" ("none" when the recipe asks for no mitigation)
 * ```
 */
export type FairnessRecipe = Recipe["fairness"];
/**
 * A recipe's optimiser (kind, learning rate, schedule).
 *
 * @example
 * ```ts
 * import { type OptimizerRecipe, parseRecipe } from "equipoise/fit";
 * const optimizer: OptimizerRecipe = parseRecipe({ model: "logreg", optimizer: { kind: "sgd", momentum: 0.9 } }).optimizer;
 * optimizer.learningRate; // 0.01 (the default)
 * optimizer.schedule; // "cosine" (the default)
 * ```
 */
export type OptimizerRecipe = Recipe["optimizer"];

/**
 * One line per problem of a zod issue list, each naming the field as `nameOf` spells
 * it (a command-line flag, or a path in a file). Rule messages ("must be ...") are
 * prefixed with the field and followed by the offending value; sentences with
 * {field.path} placeholders have them replaced; a missing required field is named
 * with its container and `hintOf`'s words ("--dp needs --clip C (...)").
 *
 * @example
 * ```ts
 * import { describeIssue } from "equipoise/fit";
 * import type { z } from "zod";
 * declare const issue: z.core.$ZodIssue; // one issue from a failed safeParse of a recipe or a CLI option object
 * const line = describeIssue(issue, (path) => `--${path.join("-")}`, () => undefined);
 * // e.g. "--epochs must be a whole number ≥ 1, got 0"
 * ```
 */
export function describeIssue(
  issue: z.core.$ZodIssue,
  nameOf: (path: readonly PropertyKey[]) => string,
  valueAt: (path: readonly PropertyKey[]) => string | undefined,
  hintOf?: (path: readonly PropertyKey[]) => string | undefined,
): string {
  const fill = (text: string) =>
    text.replace(/\{([A-Za-z.]+)\}/g, (_, dotted: string) => nameOf(dotted.split(".")));
  if (issue.code === "custom") return fill(issue.message);
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => `${nameOf([...issue.path, key])} does not apply here`).join("; ");
  }
  const value = valueAt(issue.path);
  if (value === undefined && (issue.code === "invalid_type" || issue.code === "invalid_value")) {
    const hint = hintOf?.(issue.path);
    return `${nameOf(issue.path.slice(0, -1))} needs ${nameOf(issue.path)}${hint ? ` ${hint}` : ""}`;
  }
  return `${nameOf(issue.path)} ${fill(issue.message)}${value === undefined ? "" : `, got ${value}`}`;
}

/**
 * A recipe from untrusted JSON (a library caller, a model file, a study): validated
 * and normalised, or one UserError naming the first bad field by its path.
 *
 * @example
 * ```ts
 * import { parseRecipe } from "equipoise/fit";
 * const recipe = parseRecipe({ model: "mlp:64,32", epochs: 5 });
 * recipe.optimizer; // defaults filled in: { kind: "adam", learningRate: 0.01, schedule: "cosine", ... }
 * parseRecipe({ model: "logreg", epochs: 0 }); // UserError: recipe: epochs must be a whole number ≥ 1, got 0
 * ```
 */
export function parseRecipe(input: unknown, source = "recipe"): Recipe {
  const parsed = recipeSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const nameOf = (path: readonly PropertyKey[]) => (path.length === 0 ? "the recipe" : path.join("."));
  const valueAt = (path: readonly PropertyKey[]) => {
    let node: unknown = input;
    for (const key of path) node = (node as Record<PropertyKey, unknown> | undefined)?.[key];
    return node === undefined ? undefined : JSON.stringify(node);
  };
  throw new UserError(`${source}: ${describeIssue(issue, nameOf, valueAt)}`);
}
