/**
 * The explorer as a job: creates or resumes a study file and runs it to its
 * budget, reporting each finished trial. Everything it needs is in its parameters
 * (the server resolved names to paths before queueing it).
 */
import { z } from "zod";
import { objectiveNames } from "../../explore/objectives.js";
import { strategyNames } from "../../search/strategies/index.js";
import { defineJobKind } from "./kind.js";

export const exploreJobSchema = z.object({
  studyPath: z.string().min(1),
  data: z.string().min(1),
  target: z.string().optional(),
  positive: z.string().optional(),
  sensitive: z.array(z.string()).min(1),
  splitSeed: z.number().int().min(0),
  dataDir: z.string().optional(),
  objectives: z.array(z.enum(objectiveNames)).min(2),
  constraints: z.array(z.string()),
  strategy: z.enum(strategyNames),
  budget: z.number().int().min(1),
  seed: z.number().int().min(0),
  workers: z.number().int().min(1).optional(),
  delta: z.number().gt(0).lt(1).optional(),
  accountant: z.enum(["rdp", "prv"]).optional(),
  validationFraction: z.number().gt(0).lt(1).optional(),
});
export type ExploreJobParams = z.output<typeof exploreJobSchema>;

export const exploreJob = defineJobKind<ExploreJobParams>({
  name: "explore",
  params: exploreJobSchema,
  title: (p) =>
    `study ${p.studyPath.split(/[/\\]/).at(-1)}: ${p.budget} trials on ${p.data.split(/[/\\]/).at(-1)}`,
  async run(p, reporter) {
    const [{ explore }, { parseConstraint }] = await Promise.all([
      import("../../explore/explorer.js"),
      import("../../explore/objectives.js"),
    ]);
    const result = await explore({
      request: {
        data: p.data,
        ...(p.target ? { target: p.target } : {}),
        ...(p.positive ? { positive: p.positive } : {}),
        sensitive: p.sensitive,
        seed: p.splitSeed,
        ...(p.dataDir ? { dataDir: p.dataDir } : {}),
      },
      sensitive: p.sensitive[0],
      objectives: p.objectives,
      constraints: p.constraints.map(parseConstraint),
      strategy: p.strategy,
      budget: p.budget,
      studyPath: p.studyPath,
      workers: p.workers,
      seed: p.seed,
      delta: p.delta,
      accountant: p.accountant,
      validationFraction: p.validationFraction,
      onEvent: (event) => {
        if (event.kind === "note") reporter.progress({ message: event.text });
        else
          reporter.progress({
            done: event.done,
            total: event.budget,
            message: `trial ${event.trial.number} ${event.trial.state}; ${event.progress}`,
          });
      },
    });
    const { summary } = result;
    return {
      trials: summary.trials,
      hypervolume: summary.hypervolume,
      pareto: summary.pareto.length,
      wallSeconds: result.wallSeconds,
    };
  },
});
