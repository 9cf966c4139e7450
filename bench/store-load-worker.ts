/**
 * Simulated workers for bench/store.bench.ts (not a benchmark itself): K stores (K
 * connections) in this process, each claiming and finishing trials back to back with a
 * trivial proposal, until the study's budget is spent. Prints one JSON line: the
 * latency of every claim and finish in milliseconds, and how many proposals were made
 * (more than the claims when a proposal was overtaken and thrown away).
 *
 *   node --import tsx bench/store-load-worker.ts LOCATION K BUDGET
 */
import { hostname } from "node:os";
import { openStudyStore } from "../src/search/index.js";
import { benchDefinition, benchMetrics } from "./store-study.js";

const [location, k, budget] = process.argv.slice(2);
const claims: number[] = [];
const finishes: number[] = [];
let proposals = 0;
await Promise.all(
  Array.from({ length: Number(k) }, async (_, lane) => {
    const store = await openStudyStore(location, { definition: benchDefinition() });
    const worker = { id: `${hostname()}:${process.pid}:lane${lane}`, host: hostname(), pid: process.pid };
    await store.registerWorker(worker, { staleAfterMs: 600_000 });
    for (let i = 0; ; i++) {
      let start = performance.now();
      const claim = await store.claimTrial({
        workerId: worker.id,
        budget: Number(budget),
        staleAfterMs: 600_000,
        maxAttempts: 2,
        propose: (view) => {
          proposals++;
          return { x0: (view.number % 997) / 997, x1: 0.5, x2: 0.5, x3: 0.5 };
        },
      });
      claims.push(performance.now() - start);
      if (!claim) break;
      start = performance.now();
      await store.finishTrial(claim.id, worker.id, {
        state: "complete",
        objectives: [Number(claim.config.x0), 1 - Number(claim.config.x0)],
        metrics: benchMetrics(i),
        startedAt: Date.now(),
      });
      finishes.push(performance.now() - start);
    }
    await store.unregisterWorker(worker.id);
    await store.close();
  }),
);
process.stdout.write(`${JSON.stringify({ claims, finishes, proposals })}\n`);
