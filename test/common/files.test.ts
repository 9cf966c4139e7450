import assert from "node:assert/strict";
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, describe, test } from "node:test";
import { UsageError, UserError } from "../../src/common/errors.js";
import { checkOutputPath, samePath, writeFileAtomic } from "../../src/common/files.js";

const directory = mkdtempSync(join(tmpdir(), "equipoise-files-"));
after(() => rmSync(directory, { recursive: true, force: true }));

const input = join(directory, "data.csv");
writeFileSync(input, "a,b\n1,2\n");

describe("checkOutputPath", () => {
  test("returns the absolute path of a writable new file", () => {
    const path = join(directory, "out.json");
    assert.equal(checkOutputPath(relative(process.cwd(), path), "out", [input]), path);
  });

  test("refuses a missing directory, a directory, and an empty name, naming the option", () => {
    assert.throws(
      () => checkOutputPath(join(directory, "missing", "r.html"), "report"),
      (error: Error) =>
        error instanceof UsageError &&
        /^--report: the directory .*missing does not exist$/.test(error.message),
    );
    assert.throws(
      () => checkOutputPath(directory, "out"),
      (error: Error) =>
        error instanceof UsageError && /^--out: .* is a directory; give a file name$/.test(error.message),
    );
    assert.throws(() => checkOutputPath(" ", "out"), /--out needs a file name/);
  });

  test("refuses an input under any spelling: the same path, a detour, a symlink, a hard link", () => {
    const symlink = join(directory, "link.csv");
    symlinkSync(input, symlink);
    const hardLink = join(directory, "hard.csv");
    linkSync(input, hardLink);
    const spellings = [
      input,
      join(directory, "..", relative(join(directory, ".."), directory), "data.csv"),
      symlink,
      hardLink,
    ];
    for (const spelling of spellings) {
      assert.throws(
        () => checkOutputPath(spelling, "out", [input]),
        (error: Error) =>
          error instanceof UsageError &&
          /also an input of this command; refusing to overwrite it/.test(error.message),
        spelling,
      );
    }
    assert.equal(samePath(input, join(directory, "other.csv")), false);
  });
});

describe("writeFileAtomic", () => {
  test("writes, replaces, and leaves no temporary file behind", () => {
    const sub = join(directory, "atomic");
    mkdirSync(sub);
    const path = join(sub, "report.html");
    writeFileAtomic(path, "first");
    writeFileAtomic(path, new TextEncoder().encode("second"));
    assert.equal(readFileSync(path, "utf8"), "second");
    assert.deepEqual(readdirSync(sub), ["report.html"]);
  });

  test("a failed write is one UserError naming the path, and the old content stays", () => {
    const sub = join(directory, "failing");
    mkdirSync(sub);
    // A directory where the file should go: the rename fails after the temporary file was written.
    const blocked = join(sub, "out.json");
    mkdirSync(blocked);
    writeFileSync(join(blocked, "keep.txt"), "kept");
    assert.throws(
      () => writeFileAtomic(blocked, "new"),
      (error: Error) => error instanceof UserError && error.message.startsWith(`cannot write ${blocked}: E`),
    );
    assert.deepEqual(readdirSync(sub), ["out.json"], "the temporary file is removed");
    assert.equal(readFileSync(join(blocked, "keep.txt"), "utf8"), "kept");
    assert.throws(() => writeFileAtomic(join(sub, "missing", "x"), "new"), UserError);
  });
});
