/**
 * Fairness mitigations that train engine models (they load the tensor engine): the
 * batch and reference-set fairness penalties as gradient strategies for the trainer.
 * Engine models as weighted learners and the mitigation runner compose a training
 * recipe, so they live in src/fit/. The light, engine-free part of fairness is ./index.ts.
 */

export * from "./penalty.js";
export * from "./reference-penalty.js";
