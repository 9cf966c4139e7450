/** A small binary-classification CSV with a sensitive column, written on the fly (seeded). */
import { writeFileSync } from "node:fs";
import { createRandom } from "../../src/common/rng.js";

export function writeLoanCsv(path: string, rows = 400, seed = 7): void {
  const random = createRandom(seed);
  const lines = ["age,hours,debt,group,approved"];
  for (let i = 0; i < rows; i++) {
    const group = random.uniform() < 0.4 ? "B" : "A";
    const age = Math.round(20 + 40 * random.uniform());
    const hours = Math.round(10 + 40 * random.uniform());
    const debt = Math.round(1000 * random.uniform());
    const score =
      (age - 40) / 20 + (hours - 30) / 20 - debt / 800 + (group === "A" ? 0.4 : -0.4) + random.normal();
    lines.push(`${age},${hours},${debt},${group},${score > 0 ? "yes" : "no"}`);
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
}
