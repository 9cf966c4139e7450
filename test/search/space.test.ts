import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UserError } from "../../src/common/errors.js";
import { createRandom } from "../../src/common/rng.js";
import { type Parameter, SearchSpace } from "../../src/search/space.js";

const parameters: Parameter[] = [
  { kind: "float", name: "lr", low: 1e-4, high: 1, log: true },
  { kind: "float", name: "momentum", low: 0, high: 0.99 },
  { kind: "int", name: "width", low: 8, high: 256, log: true },
  { kind: "int", name: "layers", low: 1, high: 4 },
  { kind: "categorical", name: "dp", choices: [true, false] },
  { kind: "float", name: "noise", low: 0.3, high: 5, condition: { parameter: "dp", oneOf: [true] } },
  {
    kind: "categorical",
    name: "clip",
    choices: ["flat", "per-layer"],
    condition: { parameter: "noise", oneOf: [1] },
  },
  { kind: "categorical", name: "model", choices: ["logreg", "mlp", "cnn"] },
];

describe("SearchSpace", () => {
  const space = new SearchSpace(parameters);

  it("encodes to the unit cube and decodes back (round trip of samples)", () => {
    const random = createRandom(1);
    for (let i = 0; i < 300; i++) {
      const config = space.sample(random);
      space.validate(config);
      const point = space.encode(config);
      assert.equal(point.length, space.dimension);
      for (const u of point) assert.ok(u >= 0 && u <= 1);
      const back = space.decode(point);
      assert.deepEqual(Object.keys(back).sort(), Object.keys(config).sort());
      for (const [name, value] of Object.entries(config)) {
        if (typeof value === "number" && !Number.isInteger(value))
          assert.ok(Math.abs((back[name] as number) - value) < 1e-9 * value);
        else assert.equal(back[name], value);
      }
    }
  });

  it("conditional parameters exist only when their condition holds", () => {
    const off = space.decode([0.5, 0.5, 0.5, 0.5, 0.9, 0.5, 0.5, 0.5]);
    assert.equal(off.dp, false);
    assert.ok(!("noise" in off));
    assert.equal(space.encode(off)[5], 0.5);
    const on = space.decode([0.5, 0.5, 0.5, 0.5, 0.1, 0.5, 0.5, 0.5]);
    assert.equal(on.dp, true);
    assert.ok("noise" in on);
    assert.equal(space.isActive("clip", on), on.noise === 1);
    assert.throws(
      () => space.encode({ ...off, noise: 1 }),
      /'noise' is inactive here: it exists only when 'dp' is one of \[true\]/,
    );
    assert.throws(() => space.encode({ ...on, noise: undefined as never }), /'noise'/);
  });

  it("every integer and every category gets an equal share of its coordinate", () => {
    const layers = new SearchSpace([{ kind: "int", name: "k", low: 1, high: 4 }]);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) counts[(layers.decode([(i + 0.5) / 400]).k as number) - 1]++;
    assert.deepEqual(counts, [100, 100, 100, 100]);
    assert.deepEqual(
      [1, 2, 3, 4].map((k) => layers.encode({ k })[0]),
      [0.125, 0.375, 0.625, 0.875],
    );
    const model = space.parameter("model");
    assert.equal(model.kind, "categorical");
    assert.equal(space.decode([0, 0, 0, 0, 0, 0, 0, 0.999]).model, "cnn");
    assert.equal(space.encode({ ...space.decode(new Array(8).fill(0.5)), model: "mlp" })[7], 0.5);
  });

  it("log scale: the midpoint of the coordinate is the geometric mean", () => {
    const point = new Array(8).fill(0.5);
    assert.ok(Math.abs((space.decode(point).lr as number) - 1e-2) < 1e-15);
  });

  it("serialises through JSON", () => {
    const copy = SearchSpace.fromJSON(JSON.parse(JSON.stringify(space)));
    assert.deepEqual(copy.toJSON(), space.toJSON());
    const random = createRandom(2);
    const config = space.sample(random);
    assert.deepEqual(copy.encode(config), space.encode(config));
  });

  it("rejects invalid spaces with one clear message", () => {
    const cases: [unknown[], RegExp][] = [
      [[], /at least one parameter/],
      [[{ kind: "float", name: "a", low: 1, high: 1 }], /'a': 'high' \(1\) must be > 'low' \(1\)/],
      [
        [{ kind: "float", name: "a", low: 0, high: 1, log: true }],
        /'a': a log-scale parameter needs low > 0, got 0/,
      ],
      [[{ kind: "int", name: "a", low: 0.5, high: 3 }], /'a': an int parameter needs whole-number bounds/],
      [[{ kind: "categorical", name: "a", choices: [] }], /'a': 'choices' must be a non-empty array/],
      [[{ kind: "categorical", name: "a", choices: [1, 1] }], /'a': 'choices' has duplicates/],
      [[{ kind: "bool", name: "a" }], /unknown kind "bool" \(known: float, int, categorical\)/],
      [[{ kind: "float", name: "a", low: 0, high: 1, lo: 2 }], /'a': unknown field 'lo'/],
      [
        [
          { kind: "float", name: "a", low: 0, high: 1 },
          { kind: "float", name: "a", low: 0, high: 1 },
        ],
        /'a' is defined twice/,
      ],
      [
        [{ kind: "float", name: "noise", low: 0, high: 1, condition: { parameter: "dp", oneOf: [true] } }],
        /'noise': its condition refers to 'dp', which must be defined before it/,
      ],
      [
        [
          { kind: "categorical", name: "dp", choices: [true, false] },
          { kind: "float", name: "noise", low: 0, high: 1, condition: { parameter: "dp", oneOf: ["yes"] } },
        ],
        /condition value "yes" is not a possible value of 'dp'/,
      ],
    ];
    for (const [raw, message] of cases) {
      assert.throws(
        () => new SearchSpace(raw as Parameter[]),
        (error: unknown) =>
          error instanceof UserError && message.test(error.message) && !error.message.includes("\n"),
        String(message),
      );
    }
  });

  it("rejects configurations with a clear message", () => {
    const config = space.sample(createRandom(3));
    assert.throws(() => space.validate({ ...config, lr: 5 }), /parameter 'lr': 5 is outside \[0.0001, 1\]/);
    assert.throws(() => space.validate({ ...config, layers: 2.5 }), /'layers': 2.5 is not a whole number/);
    assert.throws(
      () => space.validate({ ...config, model: "rnn" }),
      /'model': "rnn" is not one of \["logreg", "mlp", "cnn"\]/,
    );
    assert.throws(() => space.validate({ ...config, depth: 3 }), /unknown parameter 'depth'/);
  });
});
