/**
 * The command-line framework: option parsing, help, exit codes, and the process
 * behaviour every command shares (a closed stdout, errors outside a command).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { defineCommand, maxPositionals, parseCommandLine, parseNumber } from "../../src/cli/command.js";
import { describeError, main } from "../../src/cli/main.js";
import type { Streams } from "../../src/cli/output.js";
import { commands } from "../../src/cli/registry.js";
import { DataError, UsageError, UserError } from "../../src/common/errors.js";
import { isOneLineError, repoRoot, runCli } from "../helpers/cli.js";

const entry = fileURLToPath(new URL("../../src/cli/entry.ts", import.meta.url));
const directory = mkdtempSync(join(tmpdir(), "equipoise-cli-"));
after(() => rmSync(directory, { recursive: true, force: true }));

const sample = defineCommand({
  name: "sample",
  summary: "a command for the tests",
  positionals: "FILE",
  options: {
    epochs: { type: "string", description: "epochs" },
    lr: { type: "string", description: "learning rate", short: "l" },
    verbose: { type: "boolean", description: "more" },
  },
  run() {},
});

function usageMessage(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof UsageError, `a UsageError, got ${String(error)}`);
    return error.message;
  }
  assert.fail("no error");
}

describe("option values", () => {
  test("a negative number after an option is its value, whatever its spelling", () => {
    const { options } = parseCommandLine(sample, ["--epochs", "-1", "-l", "-0.1", "in.csv"]);
    assert.equal(options.epochs, "-1");
    assert.equal(options.lr, "-0.1");
    for (const value of ["-1e-3", "-.5", "-inf", "-Infinity"]) {
      assert.equal(parseCommandLine(sample, ["--lr", value]).options.lr, value);
    }
    assert.equal(parseCommandLine(sample, ["--lr=-2"]).options.lr, "-2");
    assert.equal(parseCommandLine(sample, ["--lr", "-"]).options.lr, "-", "'-' (standard input) is a value");
  });

  test("the value then meets the option's own rule", () => {
    const { options } = parseCommandLine(sample, ["--epochs", "-1"]);
    assert.equal(
      usageMessage(() => parseNumber("epochs", options.epochs, { integer: true, min: 1 })),
      "--epochs must be a whole number ≥ 1, got -1",
    );
    assert.equal(
      usageMessage(() => parseNumber("lr", "-0.1", { min: 0, minExclusive: true })),
      "--lr must be > 0, got -0.1",
    );
  });

  test("an option followed by another option, or by nothing, needs a value", () => {
    assert.match(
      usageMessage(() => parseCommandLine(sample, ["--epochs", "--verbose"])),
      /--epochs needs a value, got '--verbose'/,
    );
    assert.match(
      usageMessage(() => parseCommandLine(sample, ["--epochs"])),
      /^sample: --epochs needs a value \(see 'equipoise sample --help'\)$/,
    );
    assert.match(
      usageMessage(() => parseCommandLine(sample, ["--verbose=yes"])),
      /--verbose takes no value/,
    );
    assert.match(
      usageMessage(() => parseCommandLine(sample, ["--epoch", "3"])),
      /^sample: unknown option '--epoch' \(see/,
    );
  });

  test("'--' ends the options: what follows is positional, even a dash", () => {
    assert.deepEqual(parseCommandLine(sample, ["--", "-x.csv"]).positionals, ["-x.csv"]);
  });
});

describe("positional arguments", () => {
  test("more than the usage line names is a usage error naming the extra ones", () => {
    assert.deepEqual(parseCommandLine(sample, ["a.csv"]).positionals, ["a.csv"]);
    assert.equal(
      usageMessage(() => parseCommandLine(sample, ["a.csv", "b.csv", "c"])),
      "sample: unexpected argument 'b.csv' 'c'; it takes FILE (see 'equipoise sample --help')",
    );
    assert.equal(maxPositionals({ positionals: "FILE..." }), Number.POSITIVE_INFINITY);
    assert.equal(maxPositionals({ positionals: "A [B]" }), 2);
    assert.equal(maxPositionals({}), 0);
  });

  test("every registered command refuses one argument more than it takes", async () => {
    for (const entry of commands) {
      const command = await entry.load();
      // A command taking any number of arguments ("FILE...") has no argument too many.
      if (!Number.isFinite(maxPositionals(command))) continue;
      const extra = Array.from({ length: maxPositionals(command) + 1 }, (_, i) => `word${i}`);
      const message = usageMessage(() => parseCommandLine(command, extra));
      assert.match(
        message,
        new RegExp(`^${entry.name}: unexpected argument 'word${extra.length - 1}'`),
        entry.name,
      );
    }
  });

  test("end to end: exit 2 and one line naming the argument", () => {
    const result = runCli(["data", "list", "extra"]);
    assert.equal(result.code, 2);
    assert.ok(isOneLineError(result), result.stderr);
    assert.match(result.stderr, /data list: unexpected argument 'extra'; it takes no arguments/);
  });
});

describe("help", () => {
  test("a command group's --help lists its subcommands and exits 0, like equipoise --help", () => {
    const result = runCli(["data", "--help"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    for (const sub of ["data list", "data info", "data fetch"]) assert.match(result.stdout, new RegExp(sub));
    const top = runCli(["--help"]);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /Commands:/);
  });

  test("a bare group is an incomplete command (exit 2), 'help COMMAND' is --help", async () => {
    const { streams, stdout } = capture();
    assert.equal(await main(["data"], streams), 2);
    assert.match(stdout(), /data list/);
    const help = capture();
    assert.equal(await main(["help", "data", "info"], help.streams), 0);
    assert.match(help.stdout(), /^Usage: equipoise data info DATASET/);
    const unknown = capture();
    assert.equal(await main(["data", "lst"], unknown.streams), 2);
    assert.equal(unknown.stderr(), "equipoise: 'data lst' is not a command; 'data' has: list, info, fetch\n");
  });
});

function capture(): { streams: Streams; stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return {
    streams: {
      stdout: (text) => void (out += text),
      stderr: (text) => void (err += text),
      stderrIsTTY: false,
    },
    stdout: () => out,
    stderr: () => err,
  };
}

/**
 * Runs the CLI with stdout into a pipe whose reader goes away: at once (`closeAt:
 * "start"`, so the first write fails), or after the first chunk, as `head -1` does.
 */
function runWithClosedStdout(
  args: string[],
  closeAt: "start" | "first-chunk",
): Promise<{ code: number | null; signal: string | null; stderr: string; received: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", entry, ...args], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let received = 0;
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    if (closeAt === "start") child.stdout.destroy();
    else
      child.stdout.once("data", (chunk: Buffer) => {
        received = chunk.length;
        child.stdout.destroy();
      });
    child.on("close", (code, signal) => resolve({ code, signal, stderr, received }));
  });
}

describe("a closed stdout ends the command quietly with exit 0", () => {
  test("data list, text and --json", async () => {
    for (const args of [
      ["data", "list"],
      ["data", "list", "--json"],
    ]) {
      const result = await runWithClosedStdout(args, "start");
      assert.deepEqual({ code: result.code, stderr: result.stderr }, { code: 0, stderr: "" }, args.join(" "));
    }
  });

  test("a long output closed after its first chunk, as by head -1", async () => {
    // 6,000 rows on one front (f2 = 1 - f1): far more than a pipe's buffer of output.
    const rows = Array.from({ length: 6000 }, (_, i) => `${i / 6000},${1 - i / 6000}`);
    const file = join(directory, "front.csv");
    writeFileSync(file, `f1,f2\n${rows.join("\n")}\n`);
    const result = await runWithClosedStdout(["pareto", file, "--minimize", "f1,f2"], "first-chunk");
    // Each of the 6,000 printed rows is at least 10 bytes: the reader left after a small part.
    assert.ok(result.received > 0 && result.received < 60_000, `${result.received} bytes read`);
    assert.deepEqual({ code: result.code, stderr: result.stderr }, { code: 0, stderr: "" });
  });
});

describe("errors", () => {
  test("an error thrown outside any command is one line and exit 1 (the stack only with EQUIPOISE_DEBUG=1)", () => {
    const mainUrl = new URL("../../src/cli/main.ts", import.meta.url).href;
    const script = (thrower: string) =>
      `import { main } from ${JSON.stringify(mainUrl)};\nawait main(["--version"]);\n${thrower}`;
    for (const thrower of [
      'setTimeout(() => { throw new Error("boom outside") }, 0);',
      'Promise.reject(new Error("boom outside"));',
    ]) {
      const run = (env: Record<string, string>) =>
        spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script(thrower)], {
          cwd: repoRoot,
          encoding: "utf8",
          env: { ...process.env, EQUIPOISE_DEBUG: "", ...env },
        });
      const plain = run({});
      assert.equal(plain.status, 1, plain.stderr);
      assert.equal(
        plain.stderr,
        "equipoise: internal error: boom outside (set EQUIPOISE_DEBUG=1 for the stack trace)\n",
      );
      const debug = run({ EQUIPOISE_DEBUG: "1" });
      assert.equal(debug.status, 1);
      assert.match(debug.stderr, /^equipoise: internal error: boom outside\nError: boom outside\n\s+at /);
    }
  });

  test("one line and one exit code per kind of error", () => {
    assert.deepEqual(describeError(new UsageError("--x is required\nsecond line")), {
      line: "--x is required",
      exitCode: 2,
    });
    assert.deepEqual(describeError(new DataError("bad row")), { line: "bad row", exitCode: 1 });
    const full = Object.assign(new Error("ENOSPC: no space left on device, write"), {
      code: "ENOSPC",
      syscall: "write",
      path: "/data/out.json",
    });
    assert.deepEqual(describeError(full), { line: "cannot write /data/out.json: ENOSPC", exitCode: 1 });
    assert.deepEqual(describeError(new TypeError("x is undefined")), {
      line: "internal error: x is undefined",
      exitCode: 1,
    });
    assert.deepEqual(describeError("thrown string"), { line: "internal error: thrown string", exitCode: 1 });
  });

  test("end to end: a usage error exits 2, a data error 1, each in one line", async () => {
    const usage = capture();
    assert.equal(await main(["explore", "--data", "adult", "--budget", "-1"], usage.streams), 2);
    assert.equal(usage.stderr(), "equipoise: --budget must be a whole number ≥ 1, got -1\n");
    const data = capture();
    assert.equal(await main(["pareto", join(directory, "absent.csv"), "--minimize", "x"], data.streams), 1);
    assert.match(data.stderr(), /^equipoise: cannot read .*absent\.csv: ENOENT\n$/);
    assert.ok(new UsageError("x") instanceof UserError);
  });
});
