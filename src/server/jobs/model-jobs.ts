/**
 * Training and evaluating a single model as jobs: each runs the CLI's own `train`
 * or `evaluate` command in the job's process (`--json`), so a model trained from
 * the dashboard is exactly the model `equipoise train` makes with the same flags
 * (same recipe validation, privacy accounting, preprocessing rules and model
 * file), and its result is the command's JSON document. The server names every
 * path itself; the request chooses only recipe flags, from the recipe's own list.
 */
import { z } from "zod";
import { defineJobKind } from "./kind.js";

/** A flag's value: a number or a word (model specs like mlp:64,64), never another option. */
export const flagValue = z.union([
  z.boolean(),
  z.number().finite(),
  z
    .string()
    .regex(/^[A-Za-z0-9_.:,+]([A-Za-z0-9_.:,+-]{0,63})$/, "must be a number or a word (no leading '-')"),
]);

export const trainJobSchema = z.object({
  data: z.string().min(1),
  target: z.string().optional(),
  positive: z.string().optional(),
  sensitive: z.array(z.string()).min(1),
  dataDir: z.string().optional(),
  flags: z.record(z.string().regex(/^[a-z][a-z-]*$/), flagValue),
  out: z.string().min(1),
});
export type TrainJobParams = z.output<typeof trainJobSchema>;

export const evaluateJobSchema = z.object({
  model: z.string().min(1),
  data: z.string().min(1).optional(),
  target: z.string().optional(),
  sensitive: z.array(z.string()).optional(),
  dataDir: z.string().optional(),
});
export type EvaluateJobParams = z.output<typeof evaluateJobSchema>;

/** argv for `flags`: `--name=value`, or `--name` alone for a switch that is on. */
export function flagArguments(flags: Record<string, boolean | number | string>): string[] {
  return Object.entries(flags).flatMap(([name, value]) =>
    value === false ? [] : value === true ? [`--${name}`] : [`--${name}=${value}`],
  );
}

function dataArguments(p: {
  data?: string;
  target?: string;
  positive?: string;
  sensitive?: string[];
  dataDir?: string;
}): string[] {
  return [
    ...(p.data ? [`--data=${p.data}`] : []),
    ...(p.target ? [`--target=${p.target}`] : []),
    ...(p.positive ? [`--positive=${p.positive}`] : []),
    ...(p.sensitive?.length ? [`--sensitive=${p.sensitive.join(",")}`] : []),
    ...(p.dataDir ? [`--data-dir=${p.dataDir}`] : []),
  ];
}

/** Runs one CLI command in this (the job's) process; its JSON document is the result, its notes the progress. */
async function runCommand(argv: string[], note: (line: string) => void): Promise<unknown> {
  const { main } = await import("../../cli/main.js");
  let stdout = "";
  let stderr = "";
  const code = await main([...argv, "--json"], {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
      for (const line of text.split("\n")) if (line.trim()) note(line.trim());
    },
    stderrIsTTY: false,
  });
  if (code !== 0) {
    const { UserError } = await import("../../common/errors.js");
    const last = stderr.trim().split("\n").at(-1) ?? `exit ${code}`;
    throw new UserError(last.replace(/^equipoise: (error: )?/, ""));
  }
  return JSON.parse(stdout);
}

export const trainJob = defineJobKind<TrainJobParams>({
  name: "train",
  params: trainJobSchema,
  title: (p) => `model ${p.out.split(/[/\\]/).at(-1)} on ${p.data.split(/[/\\]/).at(-1)}`,
  run: (p, reporter) =>
    runCommand(["train", ...dataArguments(p), ...flagArguments(p.flags), `--out=${p.out}`], (message) =>
      reporter.progress({ message }),
    ),
});

export const evaluateJob = defineJobKind<EvaluateJobParams>({
  name: "evaluate",
  params: evaluateJobSchema,
  title: (p) => `evaluate ${p.model.split(/[/\\]/).at(-1)}`,
  run: (p, reporter) =>
    runCommand(["evaluate", `--model=${p.model}`, ...dataArguments(p)], (message) =>
      reporter.progress({ message }),
    ),
});

/** The membership and attribute attacks of `equipoise audit --attack`. */
export const AUDIT_ATTACKS = ["loss", "lira", "lira-offline", "rmia", "rmia-offline", "attribute"] as const;

export const auditJobSchema = z.object({
  model: z.string().min(1),
  data: z.string().min(1).optional(),
  dataDir: z.string().optional(),
  shadows: z.number().int().min(0).max(64).optional(),
  attacks: z.array(z.enum(AUDIT_ATTACKS)).min(1).optional(),
});
export type AuditJobParams = z.output<typeof auditJobSchema>;

/** A privacy audit of a saved model: `equipoise audit --model FILE --json` (src/audit), its document the result. */
export const auditJob = defineJobKind<AuditJobParams>({
  name: "audit",
  params: auditJobSchema,
  title: (p) => `audit ${p.model.split(/[/\\]/).at(-1)}`,
  run: (p, reporter) =>
    runCommand(
      [
        "audit",
        `--model=${p.model}`,
        ...dataArguments(p),
        ...(p.shadows !== undefined ? [`--shadows=${p.shadows}`] : []),
        ...(p.attacks ? [`--attack=${p.attacks.join(",")}`] : []),
      ],
      (message) => reporter.progress({ message }),
    ),
});

/**
 * What to explain about a saved model: one test prediction (the training rows that
 * helped and harmed it most) or the fairness gap (the rows and groups of rows behind
 * it). Row numbers are 0-based positions in the test split as Equipoise loads it.
 */
const refitField = z.boolean().optional().meta({
  description:
    "move the model to a stationary point of the explained objective first (influence functions assume one; DP-SGD models rarely are)",
});

export const explainQuestionSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("example"),
      row: z.number().int().min(0).meta({ description: "the test row to explain (0-based)" }),
      top: z.number().int().min(1).max(50).optional().meta({ description: "training rows on each side" }),
      refit: refitField,
    })
    .strict(),
  z
    .object({
      kind: z.literal("fairness"),
      sensitive: z.string().min(1).max(200).meta({ description: "the attribute whose gap is explained" }),
      constraint: z
        .enum(["dp", "eo", "eop"])
        .optional()
        .meta({ description: "the gap explained (default dp)" }),
      top: z.number().int().min(1).max(50).optional().meta({ description: "individual rows listed" }),
      looRows: z
        .number()
        .int()
        .min(0)
        .max(2000)
        .optional()
        .meta({ description: "training rows sampled for leave-one-out unfairness (0: skip; default 500)" }),
      refit: refitField,
    })
    .strict(),
]);
export type ExplainQuestion = z.output<typeof explainQuestionSchema>;

export const explainJobSchema = z.object({
  model: z.string().min(1),
  data: z.string().min(1).optional(),
  dataDir: z.string().optional(),
  question: explainQuestionSchema,
});
export type ExplainJobParams = z.output<typeof explainJobSchema>;

function explainArguments(question: ExplainQuestion): string[] {
  const refit = question.refit ? ["--refit"] : [];
  if (question.kind === "example")
    return [
      "explain",
      `--example=${question.row}`,
      ...(question.top ? [`--top=${question.top}`] : []),
      ...refit,
    ];
  return [
    "explain",
    "fairness",
    ...refit,
    `--sensitive=${question.sensitive}`,
    ...(question.constraint ? [`--constraint=${question.constraint}`] : []),
    ...(question.top ? [`--top=${question.top}`] : []),
    ...(question.looRows !== undefined ? [`--loo-rows=${question.looRows}`] : []),
  ];
}

/** An explanation of a saved model: `equipoise explain [fairness] --model FILE --json` (src/explain), its document the result. */
export const explainJob = defineJobKind<ExplainJobParams>({
  name: "explain",
  params: explainJobSchema,
  title: (p) =>
    `explain ${p.question.kind === "example" ? `test row ${p.question.row}` : `the ${p.question.sensitive} gap`} of ${p.model.split(/[/\\]/).at(-1)}`,
  run: (p, reporter) =>
    runCommand([...explainArguments(p.question), `--model=${p.model}`, ...dataArguments(p)], (message) =>
      reporter.progress({ message }),
    ),
});
