/**
 * Independent, slow references for the hypervolume tests: inclusion–exclusion over
 * subsets, and the exact sum over the grid of cells cut by every coordinate.
 */

/** Σ over non-empty subsets S of (−1)^{|S|+1} · volume(∩ boxes of S). Exponential: n <= 12. */
export function hypervolumeInclusionExclusion(points: number[][], reference: number[]): number {
  const inside = points.filter((p) => p.every((v, k) => v < reference[k]));
  const n = inside.length;
  const d = reference.length;
  let total = 0;
  for (let mask = 1; mask < 1 << n; mask++) {
    const corner = new Array<number>(d).fill(Number.NEGATIVE_INFINITY);
    let size = 0;
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i)) {
        size++;
        for (let k = 0; k < d; k++) corner[k] = Math.max(corner[k], inside[i][k]);
      }
    }
    let volume = 1;
    for (let k = 0; k < d; k++) volume *= reference[k] - corner[k];
    total += size % 2 === 1 ? volume : -volume;
  }
  return total;
}

/**
 * Cuts each axis at every point coordinate and the reference; a cell is dominated
 * iff some point is <= its lower corner, computed as a prefix-OR over the grid.
 * Sums the dominated cells' volumes with Neumaier summation.
 */
export function hypervolumeGrid(points: number[][], reference: number[]): number {
  const d = reference.length;
  const inside = points.filter((p) => p.every((v, k) => v < reference[k]));
  if (inside.length === 0) return 0;
  const cuts = reference.map((r, k) => [...new Set([...inside.map((p) => p[k]), r])].sort((a, b) => a - b));
  const cells = cuts.map((c) => c.length - 1);
  const strides = new Array<number>(d);
  let total = 1;
  for (let k = d - 1; k >= 0; k--) {
    strides[k] = total;
    total *= cells[k];
  }
  const dominated = new Uint8Array(total);
  for (const p of inside) {
    let index = 0;
    for (let k = 0; k < d; k++) index += cuts[k].indexOf(p[k]) * strides[k];
    dominated[index] = 1;
  }
  const coordinate = new Int32Array(d);
  let sum = 0;
  let compensation = 0;
  for (let index = 0; index < total; index++) {
    let rest = index;
    for (let k = 0; k < d; k++) {
      coordinate[k] = Math.floor(rest / strides[k]);
      rest -= coordinate[k] * strides[k];
    }
    if (!dominated[index]) {
      for (let k = 0; k < d; k++) {
        if (coordinate[k] > 0 && dominated[index - strides[k]]) {
          dominated[index] = 1;
          break;
        }
      }
    }
    if (dominated[index]) {
      let volume = 1;
      for (let k = 0; k < d; k++) volume *= cuts[k][coordinate[k] + 1] - cuts[k][coordinate[k]];
      const t = sum + volume;
      compensation += Math.abs(sum) >= Math.abs(volume) ? sum - t + volume : volume - t + sum;
      sum = t;
    }
  }
  return sum + compensation;
}
