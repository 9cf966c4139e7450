/** The HTML fragment of a federated report: self-contained, escaped, with the per-round charts. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { prepareTask } from "../../src/data/index.js";
import { renderFederatedHtml } from "../../src/federated/html.js";
import { simulateFederated } from "../../src/federated/simulation.js";

test("the fragment shows accuracy, ε and the gap per round, the groups, and what ε covers; nothing external", async () => {
  const task = await prepareTask({ data: "synthetic" });
  const { report } = await simulateFederated(task, {
    clients: 10,
    rounds: 2,
    workers: 1,
    sampleRate: 0.5,
    dp: { noise: 1, clip: 1, seed: 1 },
  });
  report.data.name = 'synthetic <script>alert("x")</script>';
  const html = renderFederatedHtml(report);
  assert.ok(!/<script/i.test(html), "no script, and the data set's name is escaped");
  assert.match(html, /&#60;script&#62;/);
  assert.equal(html.match(/<svg /g)?.length, 4, "accuracy, ε, the DP gap, the clients' spread");
  assert.match(html, /ε = [\d.]+<\/b> at δ = 0.00001/);
  assert.match(html, /not for release/);
  assert.match(html, /<td>group<\/td><td>A<\/td>/);
  assert.match(html, /Not covered by ε: per-round diagnostics/);
  assert.ok(!/(src|href)=/.test(html), "no external resources");
});
