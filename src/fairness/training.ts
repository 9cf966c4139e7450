/**
 * Fairness mitigations that train engine models (they load the tensor engine): the
 * batch and reference-set fairness penalties as gradient strategies for the trainer,
 * engine models as weighted learners for the reductions, and the mitigation runner.
 * The light, engine-free part of fairness is ./index.ts.
 */

export * from "./engine-learner.js";
export * from "./mitigate.js";
export * from "./penalty.js";
export * from "./reference-penalty.js";
