/**
 * The trial page's cost of privacy against the matched model: served when the study
 * stored it with a private trial (as the explorer's interplay levers do), null for
 * non-private trials and for studies without it, and an unreadable record is absent
 * rather than an error.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type RunningServer, startServer, trialDetailSchema } from "../../src/server/index.js";
import { matchedPrivacyCost } from "../../src/server/matched-cost.js";
import { writeExplorerStudy } from "./fixtures.js";
import { raw } from "./http.js";

const root = mkdtempSync(join(tmpdir(), "equipoise-matched-cost-"));
let server: RunningServer;

before(async () => {
  await writeExplorerStudy(join(root, "with.db"), { trials: 8, seed: 4, privacyCost: true });
  await writeExplorerStudy(join(root, "without.db"), { trials: 8, seed: 4 });
  server = await startServer({
    port: 0,
    workDir: join(root, "work"),
    webRoot: null,
    studies: [join(root, "with.db"), join(root, "without.db")],
  });
});
after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

async function trial(study: string, number: number) {
  const response = await raw(server.url, { path: `/api/studies/${study}/trials/${number}` });
  assert.equal(response.status, 200, response.body);
  return trialDetailSchema.parse(JSON.parse(response.body));
}

test("a private trial's stored cost is served by group; non-private trials and older studies have none", async () => {
  let privateTrials = 0;
  for (let number = 0; number < 8; number++) {
    const detail = await trial("with", number);
    const without = await trial("without", number);
    assert.equal(without.matchedPrivacyCost, null, "a study that stored no cost shows none");
    const epsilon = detail.splits.find((s) => s.split === "test")?.metrics.epsilon ?? Number.NaN;
    if (!Number.isFinite(epsilon)) {
      assert.equal(detail.matchedPrivacyCost, null, `trial ${number} is not private`);
      continue;
    }
    privateTrials++;
    const cost = detail.matchedPrivacyCost;
    assert.ok(cost, `private trial ${number} has its cost`);
    assert.equal(cost.attribute, "sex");
    assert.match(cost.notCoveredByEpsilon, /not covered by ε/);
    for (const split of cost.splits) {
      assert.deepEqual(
        split.groups.map((g) => g.group),
        ["Female", "Male"],
      );
      // The served figures are the stored ones, consistent with each other.
      const costs = split.groups.map((g) => g.accuracyCost);
      for (const g of split.groups)
        assert.ok(Math.abs(g.matchedAccuracy - g.privateAccuracy - g.accuracyCost) < 1e-12);
      assert.ok(Math.abs(split.disparity - (Math.max(...costs) - Math.min(...costs))) < 1e-12);
      // The private accuracy by group is the trial's own per-group accuracy on that split.
      const own = detail.splits
        .find((s) => s.split === split.split)!
        .groups.filter((g) => g.attribute === "sex");
      for (const g of split.groups)
        assert.ok(Math.abs(own.find((o) => o.group === g.group)!.accuracy.value - g.privateAccuracy) < 1e-12);
    }
  }
  assert.ok(privateTrials >= 2, `the fixture has private trials (${privateTrials})`);
});

test("a stored cost that does not have the stored shape is treated as absent", () => {
  assert.equal(matchedPrivacyCost(null), null);
  assert.equal(matchedPrivacyCost({ validation: {} }), null);
  assert.equal(matchedPrivacyCost({ privacyCost: { validation: { attribute: "sex" } } }), null);
  assert.equal(matchedPrivacyCost({ privacyCost: "nonsense" }), null);
});
