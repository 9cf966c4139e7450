/**
 * Search spaces: typed, serialisable parameters and their map to the unit cube.
 *
 * Every parameter owns one coordinate of [0, 1]^dimension, so that strategies
 * (Sobol, NSGA-II, Gaussian processes) work on one continuous box:
 * - float: linear, or linear in log(value) when `log` is set;
 * - int: the integer k owns the interval [k - 0.5, k + 0.5] (in log space when
 *   `log` is set), so every integer gets an equal share of the coordinate — the
 *   rounding trick of Optuna's and BoTorch's integer handling;
 * - categorical with K choices: choice k owns [k/K, (k+1)/K), encoded at its centre;
 * - a conditional parameter exists only when an earlier parameter takes one of the
 *   listed values; when inactive its coordinate is 0.5 (the centre: neutral for a
 *   kernel and for crossover).
 */

import { UserError } from "../common/errors.js";
import type { Random } from "../common/rng.js";

/**
 * The value of a parameter.
 *
 * @example
 * ```ts
 * import type { ParameterValue } from "equipoise/search";
 * const values: ParameterValue[] = [0.01, 64, "mlp", true]; // a float, an int, a category, a flag
 * ```
 */
export type ParameterValue = number | string | boolean;
/**
 * Values of the ACTIVE parameters only.
 *
 * @example
 * ```ts
 * import { type Configuration, SearchSpace } from "equipoise/search";
 * const space = new SearchSpace([{ kind: "categorical", name: "model", choices: ["logreg", "mlp"] }]);
 * const config: Configuration = { model: "mlp" }; // the active parameters' values, by name
 * space.validate(config); // throws a UserError on an unknown, missing or out-of-range value
 * ```
 */
export type Configuration = Record<string, ParameterValue>;

/**
 * The parameter is active when `parameter` is active and its value is one of `oneOf`.
 *
 * @example
 * ```ts
 * import { type Condition, SearchSpace } from "equipoise/search";
 * const onlyForMlp: Condition = { parameter: "model", oneOf: ["mlp"] };
 * const space = new SearchSpace([
 *   { kind: "categorical", name: "model", choices: ["logreg", "mlp"] },
 *   { kind: "int", name: "width", low: 8, high: 256, condition: onlyForMlp },
 * ]);
 * ```
 */
export interface Condition {
  parameter: string;
  oneOf: ParameterValue[];
}

/**
 * A real parameter in [low, high], searched on a log scale when `log` is set.
 *
 * @example
 * ```ts
 * import { type FloatParameter, SearchSpace } from "equipoise/search";
 * const lr: FloatParameter = { kind: "float", name: "lr", low: 1e-4, high: 1e-1, log: true };
 * const space = new SearchSpace([lr]);
 * ```
 */
export interface FloatParameter {
  kind: "float";
  name: string;
  low: number;
  high: number;
  log?: boolean;
  condition?: Condition;
}

/**
 * An integer parameter in [low, high] (log scale when `log` is set).
 *
 * @example
 * ```ts
 * import { type IntParameter, SearchSpace } from "equipoise/search";
 * const width: IntParameter = { kind: "int", name: "width", low: 8, high: 256, log: true };
 * const space = new SearchSpace([width]);
 * ```
 */
export interface IntParameter {
  kind: "int";
  name: string;
  low: number;
  high: number;
  log?: boolean;
  condition?: Condition;
}

/**
 * A parameter taking one of `choices`.
 *
 * @example
 * ```ts
 * import { type CategoricalParameter, SearchSpace } from "equipoise/search";
 * const model: CategoricalParameter = { kind: "categorical", name: "model", choices: ["logreg", "mlp"] };
 * const space = new SearchSpace([model]);
 * ```
 */
export interface CategoricalParameter {
  kind: "categorical";
  name: string;
  choices: ParameterValue[];
  condition?: Condition;
}

/**
 * One parameter of a {@link SearchSpace}; `condition` makes it active only for some values of another.
 *
 * @example
 * ```ts
 * import { type Parameter, SearchSpace } from "equipoise/search";
 * const parameters: Parameter[] = [
 *   { kind: "float", name: "lr", low: 1e-4, high: 1e-1, log: true },
 *   { kind: "categorical", name: "model", choices: ["logreg", "mlp"] },
 * ];
 * const space = new SearchSpace(parameters);
 * ```
 */
export type Parameter = FloatParameter | IntParameter | CategoricalParameter;

/**
 * The space as stored in a study file or sent over the wire.
 *
 * @example
 * ```ts
 * import { SearchSpace, type SearchSpaceJSON } from "equipoise/search";
 * const json: SearchSpaceJSON = { parameters: [{ kind: "float", name: "lr", low: 1e-4, high: 1e-1, log: true }] };
 * const space = SearchSpace.fromJSON(json); // validated; space.toJSON() gives it back
 * ```
 */
export interface SearchSpaceJSON {
  parameters: Parameter[];
}

/**
 * Typed parameters (float, int, categorical, possibly conditional) and their map to the unit cube
 * that the strategies search.
 *
 * @example
 * ```ts
 * import { SearchSpace } from "equipoise/search";
 * const space = new SearchSpace([
 *   { kind: "float", name: "lr", low: 1e-4, high: 1e-1, log: true },
 *   { kind: "categorical", name: "model", choices: ["logreg", "mlp"] },
 *   { kind: "int", name: "width", low: 8, high: 256, log: true, condition: { parameter: "model", oneOf: ["mlp"] } },
 * ]);
 * ```
 */
export class SearchSpace {
  readonly parameters: readonly Parameter[];
  readonly dimension: number;
  private readonly indexByName: Map<string, number>;

  /** Throws a UserError naming the first invalid parameter. */
  constructor(parameters: Parameter[]) {
    this.parameters = Object.freeze(validateParameters(parameters));
    this.dimension = this.parameters.length;
    this.indexByName = new Map(this.parameters.map((p, i) => [p.name, i]));
  }

  /** Index of a parameter's coordinate in the unit cube. */
  indexOf(name: string): number {
    const index = this.indexByName.get(name);
    if (index === undefined) {
      throw new UserError(
        `unknown parameter '${name}' (known: ${this.parameters.map((p) => p.name).join(", ")})`,
      );
    }
    return index;
  }

  /** The parameter called `name`; a UserError naming the known ones for an unknown name. */
  parameter(name: string): Parameter {
    return this.parameters[this.indexOf(name)];
  }

  /** Whether the parameter takes part in `config` (its condition, and its parent's, hold). */
  isActive(name: string, config: Configuration): boolean {
    const parameter = this.parameter(name);
    if (!parameter.condition) return true;
    const parent = parameter.condition.parameter;
    if (!this.isActive(parent, config) || !(parent in config)) return false;
    return parameter.condition.oneOf.some((value) => value === config[parent]);
  }

  /** Coordinates in [0, 1]; inactive parameters at 0.5. Throws on a missing or invalid active value. */
  encode(config: Configuration): Float64Array {
    this.validate(config);
    const point = new Float64Array(this.dimension);
    for (let i = 0; i < this.dimension; i++) {
      const parameter = this.parameters[i];
      point[i] = this.isActive(parameter.name, config) ? encodeValue(parameter, config[parameter.name]) : 0.5;
    }
    return point;
  }

  /** Inverse of `encode` (coordinates are clamped to [0, 1]); inactive parameters are dropped. */
  decode(point: ArrayLike<number>): Configuration {
    if (point.length !== this.dimension) {
      throw new RangeError(`decode: expected ${this.dimension} coordinates, got ${point.length}`);
    }
    const config: Configuration = {};
    // Parameters are validated so that a condition names an EARLIER parameter, so one
    // pass in order sees every parent before its children.
    for (let i = 0; i < this.dimension; i++) {
      const parameter = this.parameters[i];
      if (this.isActive(parameter.name, config)) config[parameter.name] = decodeValue(parameter, point[i]);
    }
    return config;
  }

  /** A uniform draw in the encoded space (log-uniform for log parameters), only active parameters. */
  sample(random: Random): Configuration {
    const point = new Float64Array(this.dimension);
    for (let i = 0; i < this.dimension; i++) point[i] = random.uniform();
    return this.decode(point);
  }

  /**
   * Checks that `config` holds exactly the active parameters with valid values.
   * Throws a UserError naming the parameter and the value.
   */
  validate(config: Configuration): void {
    for (const name of Object.keys(config)) {
      if (!this.indexByName.has(name)) {
        throw new UserError(
          `unknown parameter '${name}' (known: ${this.parameters.map((p) => p.name).join(", ")})`,
        );
      }
    }
    for (const parameter of this.parameters) {
      const active = this.isActive(parameter.name, config);
      const present = parameter.name in config;
      if (active && !present) throw new UserError(`parameter '${parameter.name}' is missing`);
      if (!active && present) {
        const c = parameter.condition!;
        throw new UserError(
          `parameter '${parameter.name}' is inactive here: it exists only when '${c.parameter}' is one of ${formatValues(c.oneOf)}`,
        );
      }
      if (active) checkValue(parameter, config[parameter.name]);
    }
  }

  /** A canonical string for a configuration: equal configurations give equal keys. */
  key(config: Configuration): string {
    return JSON.stringify(
      this.parameters.filter((p) => p.name in config).map((p) => [p.name, config[p.name]]),
    );
  }

  /** The space as plain JSON (what a study stores). */
  toJSON(): SearchSpaceJSON {
    return { parameters: this.parameters.map((p) => structuredClone(p)) };
  }

  /** Rebuilds a space from its JSON, validating every parameter. */
  static fromJSON(json: unknown): SearchSpace {
    if (
      typeof json !== "object" ||
      json === null ||
      !Array.isArray((json as { parameters?: unknown }).parameters)
    ) {
      throw new UserError("search space: expected an object { parameters: [...] }");
    }
    return new SearchSpace((json as { parameters: Parameter[] }).parameters);
  }
}

// ---- per-kind encoding ------------------------------------------------------------------

function encodeValue(parameter: Parameter, value: ParameterValue): number {
  switch (parameter.kind) {
    case "float": {
      const v = value as number;
      if (parameter.high === parameter.low) return 0.5;
      if (parameter.log)
        return clamp01(Math.log(v / parameter.low) / Math.log(parameter.high / parameter.low));
      return clamp01((v - parameter.low) / (parameter.high - parameter.low));
    }
    case "int": {
      const [lo, hi] = intRange(parameter);
      const v = value as number;
      if (parameter.log) return clamp01((Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)));
      return clamp01((v - lo) / (hi - lo));
    }
    case "categorical": {
      const k = parameter.choices.indexOf(value);
      return (k + 0.5) / parameter.choices.length;
    }
  }
}

function decodeValue(parameter: Parameter, coordinate: number): ParameterValue {
  const u = clamp01(Number.isFinite(coordinate) ? coordinate : 0.5);
  switch (parameter.kind) {
    case "float": {
      const { low, high } = parameter;
      const v = parameter.log ? low * Math.exp(u * Math.log(high / low)) : low + u * (high - low);
      return Math.min(high, Math.max(low, v));
    }
    case "int": {
      const [lo, hi] = intRange(parameter);
      const v = parameter.log ? lo * Math.exp(u * Math.log(hi / lo)) : lo + u * (hi - lo);
      return Math.min(parameter.high, Math.max(parameter.low, Math.round(v)));
    }
    case "categorical": {
      const k = Math.min(parameter.choices.length - 1, Math.floor(u * parameter.choices.length));
      return parameter.choices[k];
    }
  }
}

/** The continuous interval whose rounding gives the integers low..high, each with an equal share. */
function intRange(parameter: IntParameter): [number, number] {
  return [parameter.low - 0.5, parameter.high + 0.5];
}

function clamp01(x: number): number {
  return x < 0 ? 0 : Math.min(x, 1);
}

// ---- validation -------------------------------------------------------------------------

function validateParameters(parameters: unknown): Parameter[] {
  if (!Array.isArray(parameters)) throw new UserError("search space: 'parameters' must be an array");
  if (parameters.length === 0) throw new UserError("search space: needs at least one parameter");
  const seen = new Map<string, Parameter>();
  const out: Parameter[] = [];
  parameters.forEach((raw, index) => {
    const parameter = validateParameter(raw, index);
    if (seen.has(parameter.name))
      throw new UserError(`search space: parameter '${parameter.name}' is defined twice`);
    if (parameter.condition) validateCondition(parameter, seen);
    seen.set(parameter.name, parameter);
    out.push(parameter);
  });
  return out;
}

function validateParameter(raw: unknown, index: number): Parameter {
  if (typeof raw !== "object" || raw === null)
    throw new UserError(`search space: parameter #${index + 1} is not an object`);
  const p = raw as Record<string, unknown>;
  const name = p.name;
  if (typeof name !== "string" || name.length === 0) {
    throw new UserError(`search space: parameter #${index + 1} needs a non-empty string 'name'`);
  }
  const where = `search space: parameter '${name}'`;
  const allowed =
    p.kind === "categorical"
      ? ["kind", "name", "choices", "condition"]
      : ["kind", "name", "low", "high", "log", "condition"];
  for (const key of Object.keys(p)) {
    if (!allowed.includes(key))
      throw new UserError(`${where}: unknown field '${key}' (allowed: ${allowed.join(", ")})`);
  }
  const condition = p.condition === undefined ? undefined : parseConditionShape(p.condition, where);
  if (p.kind === "float" || p.kind === "int") {
    const { low, high } = p;
    if (typeof low !== "number" || !Number.isFinite(low))
      throw new UserError(`${where}: 'low' must be a finite number, got ${show(low)}`);
    if (typeof high !== "number" || !Number.isFinite(high)) {
      throw new UserError(`${where}: 'high' must be a finite number, got ${show(high)}`);
    }
    if (p.log !== undefined && typeof p.log !== "boolean")
      throw new UserError(`${where}: 'log' must be true or false`);
    if (p.kind === "int" && (!Number.isInteger(low) || !Number.isInteger(high))) {
      throw new UserError(`${where}: an int parameter needs whole-number bounds, got [${low}, ${high}]`);
    }
    if (p.kind === "int" ? high < low : !(high > low)) {
      throw new UserError(
        `${where}: 'high' (${high}) must be ${p.kind === "int" ? "≥" : ">"} 'low' (${low})`,
      );
    }
    if (p.log && low <= 0) throw new UserError(`${where}: a log-scale parameter needs low > 0, got ${low}`);
    const parameter = { kind: p.kind, name, low, high } as FloatParameter | IntParameter;
    if (p.log) parameter.log = true;
    if (condition) parameter.condition = condition;
    return parameter;
  }
  if (p.kind === "categorical") {
    const choices = p.choices;
    if (!Array.isArray(choices) || choices.length === 0)
      throw new UserError(`${where}: 'choices' must be a non-empty array`);
    for (const choice of choices) {
      if (!isParameterValue(choice))
        throw new UserError(`${where}: choice ${show(choice)} is not a number, string or boolean`);
    }
    if (new Set(choices).size !== choices.length)
      throw new UserError(`${where}: 'choices' has duplicates: ${formatValues(choices)}`);
    const parameter: CategoricalParameter = { kind: "categorical", name, choices: [...choices] };
    if (condition) parameter.condition = condition;
    return parameter;
  }
  throw new UserError(`${where}: unknown kind ${show(p.kind)} (known: float, int, categorical)`);
}

function parseConditionShape(raw: unknown, where: string): Condition {
  const c = raw as Record<string, unknown>;
  if (
    typeof c !== "object" ||
    c === null ||
    typeof c.parameter !== "string" ||
    !Array.isArray(c.oneOf) ||
    c.oneOf.length === 0
  ) {
    throw new UserError(`${where}: 'condition' must be { parameter: string, oneOf: [values...] }`);
  }
  for (const value of c.oneOf) {
    if (!isParameterValue(value))
      throw new UserError(`${where}: condition value ${show(value)} is not a number, string or boolean`);
  }
  return { parameter: c.parameter, oneOf: [...(c.oneOf as ParameterValue[])] };
}

function validateCondition(parameter: Parameter, earlier: Map<string, Parameter>): void {
  const condition = parameter.condition!;
  const where = `search space: parameter '${parameter.name}'`;
  const parent = earlier.get(condition.parameter);
  if (!parent) {
    throw new UserError(
      condition.parameter === parameter.name
        ? `${where}: its condition refers to itself`
        : `${where}: its condition refers to '${condition.parameter}', which must be defined before it`,
    );
  }
  for (const value of condition.oneOf) {
    try {
      checkValue(parent, value);
    } catch {
      throw new UserError(
        `${where}: condition value ${show(value)} is not a possible value of '${parent.name}'`,
      );
    }
  }
}

function checkValue(parameter: Parameter, value: ParameterValue): void {
  const where = `parameter '${parameter.name}'`;
  if (parameter.kind === "categorical") {
    if (!parameter.choices.some((choice) => choice === value)) {
      throw new UserError(`${where}: ${show(value)} is not one of ${formatValues(parameter.choices)}`);
    }
    return;
  }
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new UserError(`${where}: ${show(value)} is not a number`);
  if (parameter.kind === "int" && !Number.isInteger(value))
    throw new UserError(`${where}: ${value} is not a whole number`);
  if (value < parameter.low || value > parameter.high) {
    throw new UserError(`${where}: ${value} is outside [${parameter.low}, ${parameter.high}]`);
  }
}

function isParameterValue(value: unknown): value is ParameterValue {
  return (
    (typeof value === "number" && Number.isFinite(value)) ||
    typeof value === "string" ||
    typeof value === "boolean"
  );
}

function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

function formatValues(values: readonly ParameterValue[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(", ")}]`;
}
