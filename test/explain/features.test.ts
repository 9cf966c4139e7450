import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { explainableArchitecture, explainableFromEngine } from "../../src/explain/models/convert.js";
import { describeRow } from "../../src/explain/prepare.js";
import { initBackend, Sequential } from "../../src/nn/index.js";
import { adultData, maxAbsDifference, smallProblem } from "./helpers.js";

describe("rows as people read them", () => {
  it("Adult training row 0 decodes to its original values", async () => {
    const data = await adultData();
    const row = describeRow(data, "train", 0);
    assert.deepEqual(row.values, {
      age: 39,
      workclass: "State-gov",
      fnlwgt: 77516,
      education: "Bachelors",
      "education-num": 13,
      "marital-status": "Never-married",
      occupation: "Adm-clerical",
      relationship: "Not-in-family",
      race: "White",
      sex: "Male",
      "capital-gain": 2174,
      "capital-loss": 0,
      "hours-per-week": 40,
      "native-country": "United-States",
    });
    assert.equal(row.label, "<=50K");
    assert.deepEqual(row.group, { sex: "Male", race: "White" });
  });
});

describe("engine models as explainable models", () => {
  it("a logistic regression and a tanh MLP give the engine's predictions in float64", async () => {
    await initBackend();
    const train = smallProblem(50, 5, 1);
    for (const layers of [
      [{ type: "dense" as const, units: 1 }],
      [{ type: "dense" as const, units: 4 }, { type: "tanh" as const }, { type: "dense" as const, units: 1 }],
    ]) {
      const engine = new Sequential({ inputShape: [5], layers, loss: "binary-cross-entropy" }, { seed: 3 });
      const model = explainableFromEngine(engine.architecture, engine.readParameters(), train);
      const logits = tf.tidy(() =>
        engine.predictLogits(tf.tensor2d(new Float32Array(train.X), [50, 5])).dataSync(),
      );
      const probabilities = model.probabilities(train);
      const expected = Float64Array.from(logits, (z) => 1 / (1 + Math.exp(-z)));
      assert.ok(
        maxAbsDifference(
          Float64Array.from({ length: 50 }, (_, i) => probabilities[2 * i + 1]),
          expected,
        ) < 1e-6,
      );
      engine.dispose();
    }
  });

  it("a CNN is accepted; a layer without float64 rules is refused with its name", () => {
    const layers = [
      { type: "conv2d" as const, filters: 2, kernelSize: 3 },
      { type: "relu" as const },
      { type: "flatten" as const },
      { type: "dense" as const, units: 1 },
    ];
    const cnn = explainableArchitecture({ inputShape: [8, 8, 1], layers, loss: "binary-cross-entropy" });
    assert.equal(cnn.family, "cnn");
    const kind = explainableArchitecture({
      inputShape: [8, 8, 1],
      layers: [layers[0], { type: "elu" }, ...layers.slice(2)],
      loss: "binary-cross-entropy",
    });
    assert.equal(kind.family, "unsupported");
    assert.match((kind as { reason: string }).reason, /elu/);
  });
});
