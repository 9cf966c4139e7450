import { runTrial } from "/work/wt/w4-privfair/src/explore/trial.js";
import { loadTrialData } from "/work/wt/w4-privfair/src/explore/trial-data.js";
import { initBackend } from "/work/wt/w4-privfair/src/nn/index.js";
await initBackend("wasm");
const data = await loadTrialData({ request: { data: process.argv[2] ?? "synthetic" }, validationFraction: 0.2, splitSeed: 0, primarySensitive: process.argv[3] ?? "group" });
console.log(data.train.X.rows, data.train.sensitive.map(s=>s.name));
for (const method of ["dp-sgd", "dp-fair-reductions"]) for (const eps of [1, 8]) {
  const t0 = Date.now();
  const o = runTrial({ model: "logreg", epsilon: eps, clip: 1, lr: 0.5, epochs: 3, batch: 64, fairWeight: 0.01, privateMethod: method, fairBound: 0.01 }, 3, data,
    { delta: 1e-5, accountant: "rdp", fairness: "demographic_parity", noise: "seeded", measure: { privacyCost: true, membershipRisk: true } });
  console.log(method, eps, Date.now()-t0, "ms", o.privacy?.trainingEpsilon, o.privacy?.noise, "acc", o.test.accuracy.toFixed(3), "dp", o.test.dpDifference.toFixed(3), "cost", o.privacyCost?.test.accuracyCostDisparity, o.privacyCost?.test.gaps.dp);
  if (method !== "dp-sgd") console.log(o.privacy?.composition, o.membership);
}
