/** The explorer's synthetic trial data (20 % validation, split seed 0, sensitive "group"), on the wasm backend. */
import { loadTrialData } from "../../src/explore/trial-data.js";
import { initBackend } from "../../src/nn/index.js";

export async function syntheticTrialData(): ReturnType<typeof loadTrialData> {
  await initBackend("wasm");
  return loadTrialData({
    request: { data: "synthetic" },
    validationFraction: 0.2,
    splitSeed: 0,
    primarySensitive: "group",
  });
}
