/**
 * Standard multi-objective test problems (all minimised) shared by the tests and
 * the benchmark: ZDT1 (Zitzler, Deb & Thiele 2000), DTLZ2 (Deb, Thiele, Laumanns &
 * Zitzler 2002) and C2-DTLZ2 (Jain & Deb 2014: DTLZ2 whose feasible region is a
 * set of thin regions around the front's centre and its extremes).
 */

import type { Configuration } from "./space.js";
import { SearchSpace } from "./space.js";

/**
 * A multi-objective test problem with a known front: its space, objectives (all minimised), and a
 * reference point for the hypervolume.
 *
 * @example
 * ```ts
 * import { dtlz2, type TestProblem } from "equipoise/search";
 * const problem: TestProblem = dtlz2(3, 5); // 3 objectives, 5 variables
 * const config = problem.space.decode([0.5, 0.5, 0.5, 0.5, 0.5]); // the centre of the unit cube
 * problem.evaluate(config).objectives; // 3 values, to compare against problem.referencePoint
 * ```
 */
export interface TestProblem {
  name: string;
  space: SearchSpace;
  numObjectives: number;
  numConstraints: number;
  referencePoint: number[];
  /** Objectives (and constraints, feasible when ≤ 0) of one configuration. */
  evaluate(config: Configuration): { objectives: number[]; constraints?: number[] };
}

function unitSpace(n: number): SearchSpace {
  return new SearchSpace(
    Array.from({ length: n }, (_, i) => ({ kind: "float" as const, name: `x${i + 1}`, low: 0, high: 1 })),
  );
}

function vector(config: Configuration, n: number): number[] {
  return Array.from({ length: n }, (_, i) => config[`x${i + 1}`] as number);
}

/**
 * ZDT1 (Zitzler, Deb & Thiele 2000) with `n` variables in [0, 1]: two objectives, front f₂ = 1 − √f₁.
 *
 * @example
 * ```ts
 * import { zdt1 } from "equipoise/search";
 * const problem = zdt1(4); // variables x1 … x4 in [0, 1]
 * problem.evaluate({ x1: 0.25, x2: 0, x3: 0, x4: 0 }); // { objectives: [0.25, 0.5] }: on the front 1 − √f₁
 * ```
 */
export function zdt1(n = 6): TestProblem {
  return {
    name: `ZDT1 (${n} variables)`,
    space: unitSpace(n),
    numObjectives: 2,
    numConstraints: 0,
    referencePoint: [1.1, 1.1],
    evaluate(config) {
      const x = vector(config, n);
      let sum = 0;
      for (let i = 1; i < n; i++) sum += x[i];
      const g = 1 + (9 * sum) / (n - 1);
      return { objectives: [x[0], g * (1 - Math.sqrt(x[0] / g))] };
    },
  };
}

/**
 * DTLZ2 objectives: the front is the positive part of the unit sphere (g = 0).
 *
 * @example
 * ```ts
 * import { dtlz2Objectives } from "equipoise/search";
 * dtlz2Objectives([0.5, 0.5, 0.5], 2); // [√½, √½]: on the unit circle (g = 0)
 * dtlz2Objectives([0, 0.5, 0.5], 2); // [1, 0]
 * ```
 */
export function dtlz2Objectives(x: number[], m: number): number[] {
  let g = 0;
  for (let i = m - 1; i < x.length; i++) g += (x[i] - 0.5) ** 2;
  const f = new Array<number>(m);
  for (let k = 0; k < m; k++) {
    let value = 1 + g;
    for (let j = 0; j < m - 1 - k; j++) value *= Math.cos((x[j] * Math.PI) / 2);
    if (k > 0) value *= Math.sin((x[m - 1 - k] * Math.PI) / 2);
    f[k] = value;
  }
  return f;
}

/**
 * DTLZ2 (Deb et al. 2002) with `m` objectives and `n` variables: the front is the positive part of the unit sphere.
 *
 * @example
 * ```ts
 * import { dtlz2 } from "equipoise/search";
 * const problem = dtlz2(3, 6); // 3 objectives, variables x1 … x6
 * problem.referencePoint; // the hypervolume reference point to use with it
 * ```
 */
export function dtlz2(m = 3, n = 6): TestProblem {
  return {
    name: `DTLZ2 (${m} objectives, ${n} variables)`,
    space: unitSpace(n),
    numObjectives: m,
    numConstraints: 0,
    referencePoint: new Array(m).fill(1.1),
    evaluate: (config) => ({ objectives: dtlz2Objectives(vector(config, n), m) }),
  };
}

/**
 * C2-DTLZ2: feasible (constraint <= 0) near the centre of the front or near its
 * extreme points, within radius r.
 *
 * @example
 * ```ts
 * import { c2dtlz2 } from "equipoise/search";
 * const problem = c2dtlz2(2, 6, 0.2); // 2 objectives, 6 variables, 1 constraint
 * const config = problem.space.decode([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
 * const { objectives, constraints } = problem.evaluate(config); // feasible when constraints[0] ≤ 0
 * ```
 */
export function c2dtlz2(m = 2, n = 6, radius = 0.2): TestProblem {
  return {
    name: `C2-DTLZ2 (${m} objectives, ${n} variables, r = ${radius})`,
    space: unitSpace(n),
    numObjectives: m,
    numConstraints: 1,
    referencePoint: new Array(m).fill(1.1),
    evaluate(config) {
      const f = dtlz2Objectives(vector(config, n), m);
      const squares = f.reduce((s, v) => s + v * v, 0);
      let nearExtreme = Number.POSITIVE_INFINITY;
      for (let i = 0; i < m; i++)
        nearExtreme = Math.min(nearExtreme, squares - f[i] ** 2 + (f[i] - 1) ** 2 - radius ** 2);
      const nearCentre = f.reduce((s, v) => s + (v - 1 / Math.sqrt(m)) ** 2, 0) - radius ** 2;
      return { objectives: f, constraints: [Math.min(nearExtreme, nearCentre)] };
    },
  };
}
