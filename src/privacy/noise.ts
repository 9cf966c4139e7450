/**
 * Where every private path gets its Gaussian noise: DP-SGD's clip-and-noise step,
 * client-level DP in federated learning, noisy statistics. One interface so that the
 * sampler that resists floating-point attacks is written once.
 *
 * `add(target, std)` adds independent N(0, std²) noise to every entry of `target`.
 * A `secure` source draws from the platform's cryptographic generator and is what a
 * release must use; a `seeded` source is reproducible and marks its run not for release.
 */
import { createRandom, type Random } from "../common/rng.js";
import { createSecureRandom } from "./secure-random.js";

export interface GaussianNoise {
  readonly kind: "secure" | "seeded";
  add(target: Float32Array | Float64Array, std: number): void;
}

/** Scales standard normals from `random` (the baseline sampler; see the secure source's notes). */
class ScaledNormalNoise implements GaussianNoise {
  private buffer = new Float64Array(0);
  constructor(
    readonly kind: "secure" | "seeded",
    private readonly random: Random,
  ) {}

  add(target: Float32Array | Float64Array, std: number): void {
    if (!(std >= 0 && Number.isFinite(std)))
      throw new RangeError(`noise std must be finite and ≥ 0, got ${std}`);
    if (std === 0) return;
    if (this.buffer.length < target.length) this.buffer = new Float64Array(target.length);
    const z = this.buffer.subarray(0, target.length);
    this.random.fillNormal(z);
    for (let i = 0; i < target.length; i++) target[i] += std * z[i];
  }
}

/** Noise for releases: cryptographically secure. */
export function secureGaussianNoise(): GaussianNoise {
  return new ScaledNormalNoise("secure", createSecureRandom());
}

/** Reproducible noise for experiments; a run that uses it is not for release. */
export function seededGaussianNoise(seed: number): GaussianNoise {
  return new ScaledNormalNoise("seeded", createRandom(seed));
}
