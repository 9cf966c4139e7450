/**
 * The explorer's default search space: the levers that move a model along the
 * accuracy–privacy–fairness trade-off. Ranges are chosen for tabular data of
 * 10³–10⁵ rows (Adult, COMPAS, German credit) and a few seconds per trial on 2 cores.
 */
import { type Configuration, type Parameter, SearchSpace } from "../search/index.js";

export const defaultParameters: Parameter[] = [
  { kind: "categorical", name: "model", choices: ["logreg", "mlp"] },
  {
    kind: "int",
    name: "width",
    low: 16,
    high: 128,
    log: true,
    condition: { parameter: "model", oneOf: ["mlp"] },
  },
  { kind: "int", name: "depth", low: 1, high: 2, condition: { parameter: "model", oneOf: ["mlp"] } },
  { kind: "categorical", name: "dp", choices: [true, false] },
  // σ below ~0.5 buys little accuracy for a steep epsilon; above ~10 nothing learns.
  {
    kind: "float",
    name: "noise",
    low: 0.5,
    high: 10,
    log: true,
    condition: { parameter: "dp", oneOf: [true] },
  },
  {
    kind: "float",
    name: "clip",
    low: 0.1,
    high: 5,
    log: true,
    condition: { parameter: "dp", oneOf: [true] },
  },
  { kind: "float", name: "lr", low: 0.01, high: 2, log: true },
  { kind: "int", name: "epochs", low: 1, high: 6 },
  { kind: "int", name: "batch", low: 64, high: 1024, log: true },
  // λ of the demographic-parity / equalized-odds penalty; ≤ 0.01 is effectively unmitigated.
  { kind: "float", name: "fairWeight", low: 0.01, high: 100, log: true },
];

export function defaultSpace(): SearchSpace {
  return new SearchSpace(defaultParameters);
}

/** A trial's training recipe, read from a configuration of the default space. */
export interface TrialRecipe {
  model: string;
  dp: boolean;
  noise: number;
  clip: number;
  lr: number;
  epochs: number;
  batch: number;
  fairWeight: number;
}

export function recipeOf(config: Configuration): TrialRecipe {
  const model =
    config.model === "mlp"
      ? `mlp:${Array(Number(config.depth ?? 1))
          .fill(Number(config.width ?? 64))
          .join(",")}`
      : "logreg";
  return {
    model,
    dp: config.dp === true,
    noise: Number(config.noise ?? 0),
    clip: Number(config.clip ?? 1),
    lr: Number(config.lr),
    epochs: Number(config.epochs),
    batch: Number(config.batch),
    fairWeight: Number(config.fairWeight ?? 0),
  };
}
