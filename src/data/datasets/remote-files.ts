/** Canonical addresses and SHA-256 checksums of the datasets that are fetched, not bundled. */
import type { RemoteFile } from "../fetch.js";

/**
 * Where ProPublica's COMPAS file is downloaded from, with its SHA-256.
 *
 * @example
 * ```ts
 * import { COMPAS_FILES, locateFile } from "equipoise/data";
 * COMPAS_FILES[0].name; // "compas-scores-two-years.csv"
 * const { path } = await locateFile("compas", COMPAS_FILES[0], { dataDir: "data" }); // checked against COMPAS_FILES[0].sha256
 * ```
 */
export const COMPAS_FILES: RemoteFile[] = [
  {
    name: "compas-scores-two-years.csv",
    url: "https://raw.githubusercontent.com/propublica/compas-analysis/master/compas-scores-two-years.csv",
    sha256: "c451db85908b2f7fef1d83203bedf6b71ecda0d5af468d82ae62178f91d0cc7d",
  },
];

const FASHION_BASE = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

/**
 * The four Fashion-MNIST files, with their SHA-256.
 *
 * @example
 * ```ts
 * import { FASHION_MNIST_FILES } from "equipoise/data";
 * FASHION_MNIST_FILES.map((file) => file.name); // train-images, train-labels, t10k-images, t10k-labels (.gz)
 * ```
 */
export const FASHION_MNIST_FILES: RemoteFile[] = [
  ["train-images-idx3-ubyte.gz", "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"],
  ["train-labels-idx1-ubyte.gz", "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"],
  ["t10k-images-idx3-ubyte.gz", "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"],
  ["t10k-labels-idx1-ubyte.gz", "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"],
].map(([name, sha256]) => ({ name, url: `${FASHION_BASE}${name}`, sha256 }));
