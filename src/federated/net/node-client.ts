/**
 * A client process's connection loop (Node): connect with `ws`, run the session, and
 * after a lost connection reconnect with the session's token so the server knows it
 * is the same client (it rejoins from the next round; a round in progress counts it
 * as dropped).
 */
import { WebSocket } from "ws";
import { UserError } from "../../common/errors.js";
import type { ClientSessionResult, FederatedClient, SocketLike } from "./client.js";

/**
 * How a Node client reconnects after losing the server: retries and the delay between them.
 *
 * @example
 * ```ts
 * import { FederatedClient, type ReconnectOptions, runNodeClient } from "equipoise/federated";
 * declare const client: FederatedClient; // see FederatedClient
 * const options: ReconnectOptions = { retries: 5, retryDelaySeconds: 2, onNote: (text) => console.log(text) };
 * const session = await runNodeClient("ws://127.0.0.1:8765", client, options); // rejoins as the same client after a lost connection
 * ```
 */
export interface ReconnectOptions {
  retries: number;
  retryDelaySeconds: number;
  /** Called with a line for the user (reconnecting, giving up). */
  onNote?: (text: string) => void;
  /** For tests: sees every socket opened. */
  onSocket?: (socket: WebSocket) => void;
}

/**
 * Runs a client against a federation server's URL from Node, reconnecting as asked.
 *
 * @example
 * ```ts
 * import { type FederatedClient, runNodeClient } from "equipoise/federated";
 * declare const client: FederatedClient; // see its example
 * const session = await runNodeClient("ws://127.0.0.1:8765", client, { retries: 3, retryDelaySeconds: 1 });
 * console.log(session.client, session.rounds, session.ended);
 * ```
 */
export async function runNodeClient(
  url: string,
  client: FederatedClient,
  options: ReconnectOptions,
): Promise<ClientSessionResult> {
  let token: string | undefined;
  let session: ClientSessionResult | undefined;
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    if (attempt > 0) {
      options.onNote?.(`reconnecting (${attempt}/${options.retries})…`);
      await new Promise((resolve) => setTimeout(resolve, options.retryDelaySeconds * 1000));
    }
    const socket = new WebSocket(url, { maxPayload: 256 * 2 ** 20 });
    const opened = await new Promise<boolean>((resolve) => {
      socket.once("open", () => resolve(true));
      socket.once("error", () => resolve(false));
    });
    if (!opened) continue;
    options.onSocket?.(socket);
    session = await client.run(socket as unknown as SocketLike, token);
    token = session.token ?? token;
    if (session.ended !== "closed") return session;
    options.onNote?.(`connection lost: ${session.reason}`);
  }
  if (!session) throw new UserError(`cannot connect to ${url}`);
  throw new UserError(`lost the connection to ${url} and could not get it back (${session.reason})`);
}
