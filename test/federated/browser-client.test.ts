/**
 * The browser client in Debian's chromium (never a downloaded browser): the bundled
 * FederatedClient joins a secure federation with two Node clients, trains on a CSV
 * the "user" picks in the page, and completes every round. Everything the page
 * sends is recorded: no HTTP request carries data (only the page and the bundle are
 * fetched), and no WebSocket frame contains any of the file's values — only the
 * protocol's keys, encrypted shares and masked vectors leave the page.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { generateSynthetic, prepareTask } from "../../src/data/index.js";
import { prepareClientData } from "../../src/federated/client-data.js";
import { federatedConfigSchema } from "../../src/federated/config.js";
import { FederatedClient } from "../../src/federated/net/client.js";
import { runNodeClient } from "../../src/federated/net/node-client.js";
import { runFederationServer } from "../../src/federated/net/server.js";
import { splitForFederation, tableToCsv } from "../../src/federated/split-files.js";
import { bundleBrowserClient, pagePath } from "../../web/federated/build.js";
// Type-only: makes the type checker cover the bundle's entry too.
import type { BrowserClientStatus } from "../../web/federated/client-entry.js";

const CHROMIUM = "/usr/bin/chromium";

function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const message = `${CHROMIUM} is missing: install it with "apt-get install -y chromium" to run the browser client test`;
  if (process.env.CI) throw new Error(message);
  return message;
}

const dir = mkdtempSync(join(tmpdir(), "equipoise-browser-client-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a browser client trains in a secure federation; its data never leaves the page", {
  skip: chromiumSkipReason(),
  timeout: 180_000,
}, async () => {
  const { chromium } = await import("playwright-core");
  const split = splitForFederation(generateSynthetic(), {
    target: "label",
    clients: 3,
    partition: { kind: "iid" },
    seed: 4,
  });
  const csv = split.clients.map(tableToCsv);
  const browserFile = join(dir, "my-rows.csv");
  writeFileSync(browserFile, csv[0]);
  // Values that occur in the browser's file: none may appear in anything the page sends.
  const secrets = csv[0]
    .split("\n")
    .slice(1, 200)
    .flatMap((line) => line.split(",").slice(0, 4))
    .filter((v) => v.length >= 8);
  assert.ok(secrets.length > 100);

  const bundle = await bundleBrowserClient();
  const page = readFileSync(pagePath, "utf8");
  const http = createServer((request, response) => {
    if (request.url === "/client.js")
      response.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    else response.writeHead(200, { "content-type": "text/html" }).end(page);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const httpPort = (http.address() as { port: number }).port;

  const task = await prepareTask({ data: "synthetic" });
  let wsPort = 0;
  let resolveListening = () => {};
  const listening = new Promise<void>((resolve) => {
    resolveListening = resolve;
  });
  const server = runFederationServer({
    config: federatedConfigSchema.parse({
      clients: 3,
      rounds: 2,
      model: "logreg",
      secure: { graph: "complete" },
    }),
    task,
    host: "127.0.0.1",
    port: 0,
    timeouts: { joinSeconds: 90, roundSeconds: 90, phaseSeconds: 60 },
    onEvent: (event) => {
      if (event.kind === "listening") {
        wsPort = event.port;
        resolveListening();
      }
    },
  });
  await listening;

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const tab = await browser.newPage();
    const requests: { url: string; method: string; body: string | null }[] = [];
    const frames: string[] = [];
    const errors: string[] = [];
    tab.on("request", (request) =>
      requests.push({ url: request.url(), method: request.method(), body: request.postData() }),
    );
    tab.on("websocket", (socket) => socket.on("framesent", (frame) => frames.push(String(frame.payload))));
    tab.on("pageerror", (error) => errors.push(error.message));
    await tab.goto(`http://127.0.0.1:${httpPort}/`);
    await tab.fill("#server", `ws://127.0.0.1:${wsPort}`);
    await tab.setInputFiles("#data", browserFile);
    await tab.click("#join");
    const nodeClients = [1, 2].map((k) =>
      runNodeClient(
        `ws://127.0.0.1:${wsPort}`,
        new FederatedClient({ loadData: (spec) => prepareClientData(csv[k], spec), random: createRandom(k) }),
        { retries: 0, retryDelaySeconds: 0 },
      ),
    );
    const result = await server;
    await Promise.all(nodeClients);
    await tab.waitForFunction(
      () =>
        (globalThis as unknown as { federatedStatus: { state: string } }).federatedStatus.state !== "running",
      undefined,
      { timeout: 30_000 },
    );
    const status = await tab.evaluate(
      () => (globalThis as unknown as { federatedStatus: BrowserClientStatus }).federatedStatus,
    );
    assert.deepEqual(errors, []);
    assert.equal(status.state, "done", status.log.join("\n"));
    assert.equal(status.rounds, 2);
    assert.deepEqual(
      result.report.rounds.map((r) => r.included),
      [3, 3],
    );

    // Only the page and its script were fetched, and nothing was posted.
    assert.deepEqual(new Set(requests.map((r) => new URL(r.url).pathname)), new Set(["/", "/client.js"]));
    assert.ok(requests.every((r) => r.method === "GET" && r.body === null));
    // What went over the WebSocket: protocol messages only, none carrying a value of the file.
    assert.ok(frames.length >= 9, `${frames.length} frames`);
    for (const frame of frames) {
      const message = JSON.parse(frame) as { type: string; message?: { kind: string } };
      assert.ok(["hello", "secagg"].includes(message.type), `a '${message.type}' frame`);
      for (const secret of secrets)
        assert.ok(!frame.includes(secret), `a frame contains the value ${secret}`);
    }
    const kinds = frames
      .map((f) => (JSON.parse(f) as { message?: { kind: string } }).message?.kind)
      .filter(Boolean);
    assert.equal(kinds.filter((k) => k === "masked-input").length, 2);
  } finally {
    await browser.close();
    http.close();
  }
});
