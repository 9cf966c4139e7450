/**
 * Random search on a scrambled Sobol' sequence: better spread than independent
 * draws for the same budget, still unbiased. Spaces of more than
 * SOBOL_MAX_DIMENSION parameters fall back to independent uniform draws.
 *
 * `independent: true` makes every proposal an independent uniform draw from the
 * cryptographically secure generator, repeats allowed: the i.i.d. runs that private
 * selection's random-stopping bound assumes (Papernot & Steinke 2022; the points of a
 * Sobol' sequence are not independent, and a seed known to anyone fixes them).
 */
import { createRandom, type Random } from "../../common/rng.js";
import { createSecureRandom } from "../../privacy/secure-random.js";
import { SOBOL_MAX_DIMENSION, SobolSequence } from "../sobol.js";
import type { Configuration, SearchSpace } from "../space.js";
import type { Observation, Strategy, StrategyOptions } from "../strategy.js";

/** Consecutive already-seen configurations to skip before accepting a repeat (small discrete spaces). */
const MAX_SKIPS = 1000;

/**
 * Random search by scrambled Sobol' points, never proposing a configuration twice while new ones exist.
 *
 * @example
 * ```ts
 * import { RandomSearch, zdt1 } from "equipoise/search";
 * const search = new RandomSearch(zdt1(4).space, { numObjectives: 2, seed: 0 });
 * const configs = search.ask(2); // two configurations { x1, …, x4 }, reproducible from the seed
 * ```
 */
export class RandomSearch implements Strategy {
  readonly name = "random";
  private readonly sequence: SobolSequence | null;
  private readonly random: Random;
  private readonly independent: boolean;
  private readonly seen = new Set<string>();
  private told = 0;
  private nextIndex = 0;

  constructor(
    private readonly space: SearchSpace,
    options: StrategyOptions & { independent?: boolean },
  ) {
    this.independent = options.independent === true;
    this.random = this.independent ? createSecureRandom() : createRandom(options.seed);
    this.sequence =
      !this.independent && space.dimension <= SOBOL_MAX_DIMENSION
        ? new SobolSequence(space.dimension, this.random.fork())
        : null;
  }

  ask(n: number, pending: Configuration[] = []): Configuration[] {
    if (this.independent) return Array.from({ length: n }, () => this.space.sample(this.random));
    for (const config of pending) this.seen.add(this.space.key(config));
    // A strategy rebuilt from a study has been told what it proposed before: continue after it.
    this.nextIndex = Math.max(this.nextIndex, this.told + pending.length);
    const out: Configuration[] = [];
    for (let i = 0; i < n; i++) {
      let config = this.draw();
      for (let skips = 0; skips < MAX_SKIPS && this.seen.has(this.space.key(config)); skips++)
        config = this.draw();
      this.seen.add(this.space.key(config));
      out.push(config);
    }
    return out;
  }

  tell(observations: Observation[]): void {
    for (const observation of observations) this.seen.add(this.space.key(observation.config));
    this.told += observations.length;
  }

  private draw(): Configuration {
    if (!this.sequence) return this.space.sample(this.random);
    return this.space.decode(this.sequence.point(this.nextIndex++));
  }
}
