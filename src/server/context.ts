/** What every route handler works with: the server's stores, its jobs and its limits. */
import type { DatasetStore } from "./datasets.js";
import type { EventStreams } from "./events.js";
import type { JobManager } from "./jobs/manager.js";
import type { WorkFolders } from "./paths.js";
import type { StudyCatalog } from "./studies.js";

export interface ServerLimits {
  /** Largest JSON request body, in bytes. */
  jsonBytes: number;
  /** Largest uploaded data file, in bytes. */
  uploadBytes: number;
}

export interface ServerContext {
  version: string;
  tokenRequired: boolean;
  folders: WorkFolders;
  catalog: StudyCatalog;
  jobs: JobManager;
  datasets: DatasetStore;
  streams: EventStreams;
  limits: ServerLimits;
  /** Passed to jobs for data sets fetched into a local folder. */
  dataDir?: string;
  /** How often event streams look for changes in study files, in ms. */
  pollMs: number;
}
