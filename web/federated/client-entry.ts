/**
 * The browser federation client: the same FederatedClient as `equipoise federate
 * client`, fed from a file the user picks on the page. The file is read in the page
 * and encoded with the server's task; only what the protocol sends leaves the page
 * (keys, encrypted shares for other clients, and a masked vector under secure
 * aggregation). Bundled by web/federated/build.ts.
 */
import { prepareClientData } from "../../src/federated/client-data.js";
import { type ClientEvent, FederatedClient, type SocketLike } from "../../src/federated/net/client.js";
import { createSecureRandom } from "../../src/privacy/secure-random.js";

export interface BrowserClientStatus {
  state: "idle" | "running" | "done" | "failed";
  client?: number;
  rounds: number;
  log: string[];
}

const status: BrowserClientStatus = { state: "idle", rounds: 0, log: [] };
(globalThis as unknown as { federatedStatus: BrowserClientStatus }).federatedStatus = status;

function log(text: string): void {
  status.log.push(text);
  const view = document.getElementById("log");
  if (view) view.textContent = status.log.join("\n");
}

function describe(event: ClientEvent): string {
  switch (event.kind) {
    case "joined":
      return `joined as client ${event.client} with ${event.rows} rows`;
    case "trained":
      return `round ${event.round}: trained on ${event.examples} rows`;
    case "sent":
      return `round ${event.round}: sent the ${event.what}`;
    case "round-end":
      return `round ${event.round}: ${event.status}${event.reason ? ` (${event.reason})` : ""}`;
    case "note":
      return event.text;
  }
}

/** Joins the federation at `url` with the rows of `file` (a CSV the user picked). */
export async function join(url: string, file: File): Promise<BrowserClientStatus> {
  status.state = "running";
  const text = await file.text();
  const client = new FederatedClient({
    backend: "cpu",
    loadData: (task) => prepareClientData(text, task, file.name),
    random: createSecureRandom(),
    onEvent: (event) => {
      if (event.kind === "joined") status.client = event.client;
      if (event.kind === "trained") status.rounds++;
      log(describe(event));
    },
  });
  try {
    const socket = new WebSocket(url);
    const result = await client.run(socket as unknown as SocketLike);
    status.state = result.ended === "done" ? "done" : "failed";
    log(result.ended === "done" ? "the federation is done" : `ended: ${result.ended} ${result.reason ?? ""}`);
  } catch (error) {
    status.state = "failed";
    log(`error: ${(error as Error).message}`);
  }
  return status;
}

const button = document.getElementById("join");
button?.addEventListener("click", () => {
  const input = document.getElementById("data") as HTMLInputElement;
  const server = document.getElementById("server") as HTMLInputElement;
  const file = input.files?.[0];
  if (!file) {
    log("pick a CSV file first");
    return;
  }
  void join(server.value, file);
});
