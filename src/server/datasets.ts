/**
 * The data sets a study can be started on: the bundled and generated ones of the
 * registry, and CSV files uploaded to the server's uploads folder. An upload is
 * streamed to a temporary file in that folder with a byte limit, parsed (a file
 * that is not a readable CSV is refused and removed), then renamed to ID.csv with
 * its column description beside it (ID.json). Nothing is ever written elsewhere.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../common/errors.js";
import { writeFileAtomic } from "../common/files.js";
import { readDataFile } from "../data/datasets/user-file.js";
import { DATASETS } from "../data/registry.js";
import { type ColumnDescription, describeColumns, groupableColumns } from "./columns.js";
import type { DatasetDoc } from "./documents.js";
import { HttpError, notFound } from "./http-error.js";
import { inside } from "./paths.js";
import { SAFE_NAME } from "./requests.js";

/** Registry data sets a server can train on without downloading anything. */
const LOCAL_DATASETS = DATASETS.filter((d) => d.availability !== "fetched" && d.positiveLabel !== null);

interface UploadRecord {
  id: string;
  name: string;
  rows: number;
  columns: ColumnDescription[];
  uploadedAt: number;
}

export class DatasetStore {
  constructor(private readonly uploads: string) {}

  list(): DatasetDoc[] {
    return [...LOCAL_DATASETS.map(registryDoc), ...this.uploadRecords().map(uploadDoc)];
  }

  get(id: string): DatasetDoc {
    const registered = LOCAL_DATASETS.find((d) => d.name === id);
    if (registered) return registryDoc(registered);
    return uploadDoc(this.record(id));
  }

  /** What `prepareTask` is given for this data set: a registry name, or the uploaded file's path. */
  taskData(id: string): string {
    if (LOCAL_DATASETS.some((d) => d.name === id)) return id;
    this.record(id);
    return inside(this.uploads, `${id}.csv`);
  }

  /**
   * Stores an uploaded CSV read from `body`, at most `maxBytes` bytes. The file name
   * is only used to choose the id (its stem, made unique).
   */
  async upload(
    fileName: string,
    body: ReadableStream<Uint8Array> | null,
    maxBytes: number,
  ): Promise<DatasetDoc> {
    if (!body) throw new HttpError(400, "the upload has no body: send the CSV file as the request body");
    const stem = fileName
      .replace(/\.(csv|tsv|txt)$/i, "")
      .replace(/[^A-Za-z0-9_-]/g, "-")
      .slice(0, 48);
    const id = this.freshId(/^[A-Za-z0-9]/.test(stem) ? stem : `data-${stem}`);
    const temporary = inside(this.uploads, `upload-${randomBytes(6).toString("hex")}.part`);
    try {
      await streamToFile(body, temporary, maxBytes);
      let table: ReturnType<typeof readDataFile>;
      try {
        table = readDataFile(temporary, { delimiter: /\.tsv$/i.test(fileName) ? "\t" : undefined });
      } catch (error) {
        throw new HttpError(
          422,
          `${fileName}: ${error instanceof Error ? error.message.replace(temporary, "the file") : error}`,
        );
      }
      if (table.rows < 10) throw new HttpError(422, `${fileName} has ${table.rows} rows; a study needs more`);
      const record: UploadRecord = {
        id,
        name: fileName,
        rows: table.rows,
        columns: describeColumns(table),
        uploadedAt: Date.now(),
      };
      writeFileAtomic(inside(this.uploads, `${id}.json`), JSON.stringify(record));
      renameSync(temporary, inside(this.uploads, `${id}.csv`));
      return uploadDoc(record);
    } finally {
      rmSync(temporary, { force: true });
    }
  }

  private freshId(stem: string): string {
    for (let k = 1; ; k++) {
      const id = k === 1 ? stem : `${stem}-${k}`;
      if (!SAFE_NAME.test(id)) throw new HttpError(400, `cannot make a data set id from '${stem}'`);
      if (LOCAL_DATASETS.some((d) => d.name === id)) continue;
      if (!existsSync(join(this.uploads, `${id}.json`)) && !existsSync(join(this.uploads, `${id}.csv`)))
        return id;
    }
  }

  private record(id: string): UploadRecord {
    const path = inside(this.uploads, `${id}.json`);
    if (!existsSync(path) || !existsSync(inside(this.uploads, `${id}.csv`)))
      throw notFound(`data set '${id}'`);
    try {
      return JSON.parse(readFileSync(path, "utf8")) as UploadRecord;
    } catch {
      throw new UserError(`the description of data set '${id}' is unreadable; upload it again`);
    }
  }

  private uploadRecords(): UploadRecord[] {
    const records: UploadRecord[] = [];
    for (const entry of readdirSync(this.uploads)) {
      const match = /^(.+)\.json$/.exec(entry);
      if (!match || !SAFE_NAME.test(match[1])) continue;
      try {
        records.push(this.record(match[1]));
      } catch {
        // a half-removed upload: not listed
      }
    }
    return records.sort((a, b) => a.uploadedAt - b.uploadedAt);
  }
}

function registryDoc(description: (typeof DATASETS)[number]): DatasetDoc {
  return {
    id: description.name,
    name: description.name,
    source: "bundled",
    summary: description.summary,
    rows: null,
    columns: null,
    defaults: {
      target: description.target,
      positive: description.positiveLabel,
      sensitive: description.sensitive.slice(0, 1),
    },
    choices: {
      targets: [description.target],
      sensitive: [...description.sensitive, ...description.alsoSensitive],
    },
  };
}

function uploadDoc(record: UploadRecord): DatasetDoc {
  const usable = groupableColumns(record.columns).map((c) => c.name);
  return {
    id: record.id,
    name: record.name,
    source: "upload",
    summary: `uploaded CSV, ${record.rows} rows, ${record.columns.length} columns`,
    rows: record.rows,
    columns: record.columns,
    defaults: { target: null, positive: null, sensitive: [] },
    choices: { targets: usable, sensitive: usable },
  };
}

/** Writes a request body to `path`, refusing (413) past `maxBytes`; the partial file is the caller's to remove. */
async function streamToFile(body: ReadableStream<Uint8Array>, path: string, maxBytes: number): Promise<void> {
  const out = createWriteStream(path, { flags: "wx" });
  const closed = new Promise<void>((resolve, reject) => {
    out.on("close", resolve);
    out.on("error", reject);
  });
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw new HttpError(413, `the upload is larger than the server's limit of ${formatBytes(maxBytes)}`);
      }
      if (!out.write(value)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
  } finally {
    out.end();
    await closed;
  }
  if (size === 0) throw new HttpError(400, "the upload is empty");
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(0)} MB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(0)} KB`;
  return `${bytes} bytes`;
}
