/**
 * Worker-thread entry of the secure-aggregation client host (client-host.ts): holds
 * the SecAggClient objects of its share of a round's clients and runs one phase for
 * all of them per message, concurrently as in-process. A client that aborts or
 * refuses (SecAggAbort, ProtocolViolation) answers null: it drops out. Any other
 * error fails the phase with its message.
 */
import { parentPort } from "node:worker_threads";
import { clientReply, publicKeyMemo, SecAggClient } from "./client.js";
import type { ClientHostReply, ClientHostRequest, HostedReply } from "./client-host.js";

const port = parentPort;
if (!port) throw new Error("federated/secagg/client-worker.ts must run as a worker thread");
const send = (reply: ClientHostReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);

let clients = new Map<number, SecAggClient>();

port.on("message", async (request: ClientHostRequest) => {
  try {
    if (request.kind === "end") {
      clients = new Map();
      send({ kind: "ended" });
      return;
    }
    if (request.clients) {
      // A new round: fresh clients (those silent from the start too), one key memo for them.
      const importKey = publicKeyMemo();
      clients = new Map(request.clients.map((id) => [id, new SecAggClient(id, importKey)]));
    }
    const replies: HostedReply[] = await Promise.all(
      request.items.map(async (item) => {
        const client = clients.get(item.id);
        if (!client) throw new Error(`client ${item.id} is not hosted by this worker`);
        return { id: item.id, message: await clientReply(client, request.phase, item.message, item.input) };
      }),
    );
    const transfer: ArrayBuffer[] = [];
    for (const { message } of replies)
      if (message?.kind === "masked-input") transfer.push(message.vector.buffer as ArrayBuffer);
    send({ kind: "replies", replies }, transfer);
  } catch (error) {
    send({
      kind: "error",
      name: error instanceof Error ? error.name : "Error",
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
send({ kind: "ready" });
