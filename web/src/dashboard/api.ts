/**
 * The dashboard's calls to its server. Every answer is checked against the
 * document schemas the server itself is described by (src/server/documents.ts),
 * which also turn "Infinity" back into ∞. The access token, when there is one,
 * travels in an HttpOnly cookie the page never sees.
 */
import type { z } from "zod";
import {
  datasetDocSchema,
  datasetListSchema,
  healthSchema,
  jobDocSchema,
  jobListSchema,
  modelListSchema,
  progressEventSchema,
  studyListSchema,
  studyViewSchema,
  trialDetailSchema,
} from "../../../src/server/documents.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, schema: z.ZodType<T>, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, { credentials: "same-origin", ...init });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(
      response.status,
      `the server answered ${response.status} with something that is not JSON`,
    );
  }
  if (!response.ok) {
    const message = (body as { error?: string } | null)?.error ?? `the server answered ${response.status}`;
    throw new ApiError(response.status, message);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError(
      500,
      `unexpected answer from ${path}: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}

function postJson<T>(path: string, schema: z.ZodType<T>, body: unknown): Promise<T> {
  return call(path, schema, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

const id = (value: string | number) => encodeURIComponent(String(value));

export const api = {
  health: () => call("/api/health", healthSchema),
  studies: () => call("/api/studies", studyListSchema),
  study: (study: string) => call(`/api/studies/${id(study)}`, studyViewSchema),
  trial: (study: string, number: number) =>
    call(`/api/studies/${id(study)}/trials/${id(number)}`, trialDetailSchema),
  createStudy: (body: unknown) => postJson("/api/studies", jobDocSchema, body),
  resumeStudy: (study: string, budget: number) =>
    postJson(`/api/studies/${id(study)}/resume`, jobDocSchema, { budget }),
  stopStudy: (study: string) => postJson(`/api/studies/${id(study)}/stop`, jobDocSchema, {}),
  datasets: () => call("/api/datasets", datasetListSchema),
  dataset: (dataset: string) => call(`/api/datasets/${id(dataset)}`, datasetDocSchema),
  upload: (file: File) =>
    call(`/api/datasets?name=${id(file.name)}`, datasetDocSchema, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: file,
    }),
  models: () => call("/api/models", modelListSchema),
  trainModel: (body: unknown) => postJson("/api/models", jobDocSchema, body),
  auditModel: (model: string, body: unknown) =>
    postJson(`/api/models/${id(model)}/audit`, jobDocSchema, body),
  explainModel: (model: string, body: unknown) =>
    postJson(`/api/models/${id(model)}/explain`, jobDocSchema, body),
  jobs: () => call("/api/jobs", jobListSchema),
  job: (job: string) => call(`/api/jobs/${id(job)}`, jobDocSchema),
  stopJob: (job: string) => postJson(`/api/jobs/${id(job)}/stop`, jobDocSchema, {}),
  reportUrl: (study: string) => `/api/studies/${id(study)}/report.html`,
};

export type StudyProgress = z.output<typeof progressEventSchema>;
export type JobDoc = z.output<typeof jobDocSchema>;
export type ModelDoc = z.output<typeof modelListSchema>["models"][number];

/**
 * Listens to a server-sent event stream; `handlers` get each event's parsed data.
 * Returns the function that closes it. The browser reconnects on its own.
 */
export function listen(
  path: string,
  handlers: { progress?: (p: StudyProgress) => void; job?: (j: JobDoc) => void },
): () => void {
  const source = new EventSource(path);
  if (handlers.progress) {
    const handle = handlers.progress;
    source.addEventListener("progress", (event) => {
      const parsed = progressEventSchema.safeParse(JSON.parse((event as MessageEvent).data));
      if (parsed.success) handle(parsed.data);
    });
  }
  if (handlers.job) {
    const handle = handlers.job;
    source.addEventListener("job", (event) => {
      const parsed = jobDocSchema.safeParse(JSON.parse((event as MessageEvent).data));
      if (parsed.success) handle(parsed.data);
    });
  }
  return () => source.close();
}
