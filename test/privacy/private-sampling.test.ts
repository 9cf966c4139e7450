import assert from "node:assert/strict";
import { before, test } from "node:test";
import { buildModel, initBackend } from "../../src/nn/index.js";
import { makePrivate, SecureRandom } from "../../src/privacy/index.js";
import { separableData } from "../helpers/data.js";

before(async () => {
  await initBackend("wasm");
});

test("makePrivate: secure sampling without a seed, the seeded stream with one", () => {
  const trainerOptions = { batchSize: 30, optimizer: { kind: "sgd" as const, learningRate: 0.5 }, seed: 7 };
  const common = { trainerOptions, dataSize: 300, noise: 1, clip: 1, epochs: 1 };
  const model = buildModel("logreg", [5], 2, 1);
  const secure = makePrivate({ model, ...common });
  assert.ok(secure.trainOptions.samplingRandom instanceof SecureRandom);
  assert.equal(secure.trainOptions.sampling, "poisson");
  const seeded = makePrivate({ model, ...common, seed: 3 });
  assert.equal(seeded.trainOptions.samplingRandom, undefined);
  assert.equal(seeded.trainOptions.seed, 7);
  // The secure engine really trains through it: Poisson batches of the expected size.
  const { result } = secure.train(separableData(300, 5, 2));
  assert.equal(result.steps, 10);
  assert.ok(result.examplesSeen > 200 && result.examplesSeen < 400, `${result.examplesSeen}`);
  model.dispose();
});
