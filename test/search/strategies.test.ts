import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { hypervolume } from "../../src/search/hypervolume.js";
import { c2dtlz2, type TestProblem, zdt1 } from "../../src/search/problems.js";
import { type Configuration, SearchSpace } from "../../src/search/space.js";
import { createStrategy, Nsga2, RandomSearch } from "../../src/search/strategies/index.js";
import { constraintViolation, type Observation, type Strategy } from "../../src/search/strategy.js";

function observe(problem: TestProblem, config: Configuration): Observation {
  return { config, ...problem.evaluate(config) };
}

/** Sequential ask(batch)/tell loop; returns all observations. */
function run(strategy: Strategy, problem: TestProblem, budget: number, batch = 1): Observation[] {
  const observations: Observation[] = [];
  while (observations.length < budget) {
    const configs = strategy.ask(Math.min(batch, budget - observations.length));
    const told = configs.map((c) => observe(problem, c));
    strategy.tell(told);
    observations.push(...told);
  }
  return observations;
}

function feasibleHypervolume(problem: TestProblem, observations: Observation[]): number {
  const feasible = observations
    .filter((o) => constraintViolation(o.constraints) === 0)
    .map((o) => o.objectives);
  return hypervolume(feasible, problem.referencePoint);
}

describe("RandomSearch", () => {
  it("proposes distinct valid configurations, reproducibly per seed", async () => {
    const problem = zdt1();
    const a = new RandomSearch(problem.space, { numObjectives: 2, seed: 3 }).ask(16);
    const b = (await createStrategy("random", problem.space, { numObjectives: 2, seed: 3 })).ask(16);
    const c = new RandomSearch(problem.space, { numObjectives: 2, seed: 4 }).ask(16);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    for (const config of a) problem.space.validate(config);
    assert.equal(new Set(a.map((x) => JSON.stringify(x))).size, 16);
  });

  it("a strategy rebuilt from told and pending trials continues the sequence", () => {
    const problem = zdt1();
    const original = new RandomSearch(problem.space, { numObjectives: 2, seed: 5 }).ask(10);
    const rebuilt = new RandomSearch(problem.space, { numObjectives: 2, seed: 5 });
    rebuilt.tell(original.slice(0, 6).map((c) => observe(problem, c)));
    assert.deepEqual(rebuilt.ask(2, original.slice(6, 8)), original.slice(8, 10));
  });

  it("never repeats in a small discrete space until it is exhausted", () => {
    const space = new RandomSearch(
      new SearchSpace([
        { kind: "categorical", name: "a", choices: [1, 2, 3] },
        { kind: "int", name: "b", low: 0, high: 1 },
      ]),
      { numObjectives: 1, seed: 0 },
    );
    const configs = space.ask(6);
    assert.equal(new Set(configs.map((c) => JSON.stringify(c))).size, 6);
  });

  it("unknown strategy name: one clear error listing the known ones", async () => {
    await assert.rejects(
      createStrategy("tpe", zdt1().space, { numObjectives: 2, seed: 0 }),
      /unknown search strategy 'tpe' \(known: random, nsga2, bo\)/,
    );
  });
});

describe("Nsga2", () => {
  it("beats random search on ZDT1 (hypervolume after 300 evaluations, 3 seeds each)", () => {
    const problem = zdt1();
    const score = (make: (seed: number) => Strategy) => {
      let total = 0;
      for (let seed = 0; seed < 3; seed++) {
        total += hypervolume(
          run(make(seed), problem, 300, 10).map((o) => o.objectives),
          problem.referencePoint,
        );
      }
      return total / 3;
    };
    const nsga2 = score((seed) => new Nsga2(problem.space, { numObjectives: 2, seed }));
    const random = score((seed) => new RandomSearch(problem.space, { numObjectives: 2, seed }));
    assert.ok(nsga2 > random + 0.05, `nsga2 ${nsga2} vs random ${random}`);
  });

  it("works with asynchronous tells in any order and batches of any size", () => {
    const problem = zdt1();
    const strategy = new Nsga2(problem.space, { numObjectives: 2, seed: 7, populationSize: 8 });
    const random = createRandom(1);
    let inFlight: Configuration[] = [];
    const told: Observation[] = [];
    while (told.length < 120) {
      inFlight.push(...strategy.ask(1 + random.integer(5), inFlight));
      // finish a random subset, in random order
      const finishing = inFlight.filter(() => random.uniform() < 0.4);
      inFlight = inFlight.filter((c) => !finishing.includes(c));
      const observations = finishing.reverse().map((c) => observe(problem, c));
      strategy.tell(observations);
      told.push(...observations);
    }
    const keys = told
      .map((o) => problem.space.key(o.config))
      .concat(inFlight.map((c) => problem.space.key(c)));
    assert.equal(new Set(keys).size, keys.length, "no configuration proposed twice");
    // A loose reference: after 120 evaluations ZDT1's 6-variable g is still far from 1.
    const reference = [1.1, 10];
    const firstHv = hypervolume(
      told.slice(0, 8).map((o) => o.objectives),
      reference,
    );
    const finalHv = hypervolume(
      told.map((o) => o.objectives),
      reference,
    );
    assert.ok(finalHv > firstHv + 1, `${firstHv} → ${finalHv}`);
  });

  it("constrained domination steers the search to the feasible region (C2-DTLZ2)", () => {
    const problem = c2dtlz2();
    const options = { numObjectives: 2, numConstraints: 1 };
    let nsga2 = 0;
    let random = 0;
    for (let seed = 0; seed < 3; seed++) {
      const a = run(new Nsga2(problem.space, { ...options, seed }), problem, 200, 10);
      const b = run(new RandomSearch(problem.space, { ...options, seed }), problem, 200, 10);
      nsga2 += a.filter((o) => constraintViolation(o.constraints) === 0).length;
      random += b.filter((o) => constraintViolation(o.constraints) === 0).length;
      assert.ok(feasibleHypervolume(problem, a) >= feasibleHypervolume(problem, b), `seed ${seed}`);
    }
    assert.ok(nsga2 > 2 * random + 10, `feasible: nsga2 ${nsga2}, random ${random}`);
  });
});
