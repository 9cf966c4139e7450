/**
 * Federated learning: simulation of N clients (on every core), secure aggregation
 * over Web Crypto, client-level DP (central and distributed), robust aggregation and
 * attacks, q-FFL, a server and clients over WebSocket (Node and browsers), and the
 * run's report as a typed JSON document with an HTML fragment.
 */
export * from "./aggregators.js";
export * from "./attacks.js";
export { type ClientData, prepareClientData } from "./client-data.js";
export * from "./config.js";
export {
  type DistributedNoisePlan,
  type DistributedNoiseSettings,
  distributedEpsilon,
  distributedNoiseShare,
  planDistributedNoise,
} from "./distributed-dp.js";
export {
  type EvaluationSplit,
  evaluateGlobalModel,
  type FairnessGaps,
  type GroupMetrics,
  type ModelEvaluation,
} from "./evaluation.js";
export { renderFederatedHtml } from "./html.js";
export {
  type LocalTrainingSettings,
  type LocalUpdate,
  localRecipe,
  type ModelShape,
  trainLocalUpdate,
} from "./local-training.js";
export {
  type ClientEvent,
  type ClientOptions,
  type ClientSessionResult,
  FederatedClient,
  type SocketLike,
} from "./net/client.js";
export { type ReconnectOptions, runNodeClient } from "./net/node-client.js";
export {
  DEFAULT_TIMEOUTS,
  runFederationServer,
  type ServerEvent,
  type ServerSettings,
  type ServerTimeouts,
} from "./net/server.js";
export * from "./partition.js";
export { type FederatedPreprocessing, prepareFederatedTask } from "./prepare.js";
export { modelDocument } from "./presentation.js";
export * from "./report.js";
export { SecAggClient } from "./secagg/client.js";
export { createSecAggClientHost, type SecAggClientHost } from "./secagg/client-host.js";
export type { Bytes, PublicKey } from "./secagg/crypto.js";
export { type DegreeTarget, neighbourhoods, recommendedDegree, type SecAggGraph } from "./secagg/graph.js";
export { aggregateSecurely, type LocalRoundOptions, type LocalRoundResult } from "./secagg/local-round.js";
export {
  type AdvertiseKeys,
  type ClientMessage,
  type KeysBroadcast,
  type MaskedInput,
  ProtocolViolation,
  type RoundSetup,
  SecAggAbort,
  type ShareKeys,
  type SharesDelivery,
  type UnmaskRequest,
  type UnmaskShares,
} from "./secagg/messages.js";
export type { FixedPoint } from "./secagg/ring.js";
export {
  createRoundSetup,
  type SecAggPhase,
  type SecAggResult,
  SecAggServer,
  type SecAggSettings,
} from "./secagg/server.js";
export * from "./server-optimizer.js";
export { type FederatedResult, type SimulationOptions, simulateFederated } from "./simulation.js";
export { type FederationFiles, type SplitSettings, splitForFederation, tableToCsv } from "./split-files.js";
export { type TaskSpec, taskSpecFor, taskSpecSchema } from "./task-spec.js";
