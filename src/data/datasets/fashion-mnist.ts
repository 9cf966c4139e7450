/**
 * Fashion-MNIST (Zalando Research), fetched or read from a data directory: 60,000
 * train / 10,000 test grey 28x28 images in IDX format, 10 classes, no sensitive
 * attribute. X holds the pixels scaled to [0, 1], one flattened HWC image per row.
 */
import { readFile } from "node:fs/promises";
import { DataError } from "../../common/errors.js";
import { type FileLocationOptions, locateFile } from "../fetch.js";
import { verifiedFilesFingerprint } from "../fingerprint.js";
import { readIdx } from "../idx.js";
import { Preprocessor } from "../preprocess.js";
import type { PreparedTask, Split } from "../types.js";
import { FASHION_MNIST_FILES } from "./remote-files.js";

/**
 * The ten Fashion-MNIST class names, index = label.
 *
 * @example
 * ```ts
 * import { FASHION_MNIST_CLASSES } from "equipoise/data";
 * FASHION_MNIST_CLASSES[9]; // "Ankle boot": the name of label 9
 * FASHION_MNIST_CLASSES.length; // 10
 * ```
 */
export const FASHION_MNIST_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

export async function fashionMnistTask(files: FileLocationOptions = {}): Promise<PreparedTask> {
  const read = async (name: string) => {
    const file = FASHION_MNIST_FILES.find((f) => f.name === name)!;
    const located = await locateFile("fashion-mnist", file, files);
    return readIdx(new Uint8Array(await readFile(located.path)), name);
  };
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    FASHION_MNIST_FILES.map((file) => read(file.name)),
  );
  const shape: [number, number, number] = [trainImages.shape[1], trainImages.shape[2], 1];
  const preprocessor = Preprocessor.forImages(shape);
  const split = (images: typeof trainImages, labels: typeof trainLabels, what: string): Split => {
    const count = images.shape[0];
    if (labels.shape[0] !== count)
      throw new DataError(`fashion-mnist ${what}: ${count} images but ${labels.shape[0]} labels`);
    const y = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      if (labels.data[i] >= FASHION_MNIST_CLASSES.length)
        throw new DataError(`fashion-mnist ${what}: label ${labels.data[i]} out of range`);
      y[i] = labels.data[i];
    }
    return { X: preprocessor.transformImages(images.data, count), y, sensitive: [] };
  };
  const train = split(trainImages, trainLabels, "train");
  const test = split(testImages, testLabels, "test");
  return {
    name: "fashion-mnist",
    target: "label",
    positiveLabel: null,
    numClasses: FASHION_MNIST_CLASSES.length,
    classNames: [...FASHION_MNIST_CLASSES],
    featureNames: preprocessor.featureNames,
    imageShape: shape,
    train,
    test,
    preprocessor,
    preprocessing: {
      mode: "public",
      dataDependent: false,
      releases: [],
      thresholdDelta: 0,
      notForRelease: null,
      notes: ["pixels are divided by 255: nothing is computed from the rows"],
    },
    declared: {},
    warnings: [],
    // The files were verified against these checksums, and their split is fixed.
    fingerprint: await verifiedFilesFingerprint("fashion-mnist", FASHION_MNIST_FILES),
  };
}
