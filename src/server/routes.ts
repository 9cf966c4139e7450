/**
 * The HTTP API: studies (list, create, resume, stop), trials, live progress,
 * data sets, and jobs (follow, stop, results). Each route is one declaration
 * (route.ts) from which both the handler's validation and the OpenAPI description
 * come.
 */
import { z } from "zod";
import { summariseStudy } from "../explore/summary.js";
import { renderHtmlReport, reportDataOf } from "../report/index.js";
import type { ServerContext } from "./context.js";
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
} from "./documents.js";
import { poll } from "./events.js";
import { HttpError } from "./http-error.js";
import { auditModelJob, evaluateModelJob, explainModelJob, listModels, trainModelJob } from "./models.js";
import {
  auditModelSchema,
  createStudySchema,
  evaluateModelSchema,
  explainModelSchema,
  idParams,
  resumeStudySchema,
  trainModelSchema,
  trialParams,
  uploadQuerySchema,
} from "./requests.js";
import { defineRoute, type Route } from "./route.js";
import { newStudyJob, resumeStudyJob } from "./study-jobs.js";
import { isExplorerStudy } from "./study-view.js";

const jobResponse = { kind: "json", schema: jobDocSchema } as const;

export function apiRoutes(ctx: ServerContext): Route[] {
  const { catalog, jobs, datasets } = ctx;
  return [
    defineRoute({
      method: "get",
      path: "/api/health",
      summary: "what this server is and which job kinds it runs",
      tag: "server",
      response: { kind: "json", schema: healthSchema },
      handle: () => ({
        name: "equipoise",
        version: ctx.version,
        tokenRequired: ctx.tokenRequired,
        jobKinds: jobs.kinds(),
      }),
    }),
    defineRoute({
      method: "get",
      path: "/api/studies",
      summary: "every study the server shows, with its progress",
      tag: "studies",
      response: { kind: "json", schema: studyListSchema },
      handle: async () => ({ studies: await catalog.listItems() }),
    }),
    defineRoute({
      method: "post",
      path: "/api/studies",
      summary: "create a study in the server's studies folder and start running it",
      tag: "studies",
      body: { kind: "json", schema: createStudySchema },
      response: { kind: "json", schema: jobDocSchema, status: 202 },
      handle: ({ body }) => {
        const path = catalog.newStudyPath(body.name);
        const params = newStudyJob(body, datasets, path, ctx.dataDir);
        const job = jobs.start("explore", params, body.name);
        catalog.addCreated(body.name, path, body.budget);
        return job;
      },
    }),
    defineRoute({
      method: "get",
      path: "/api/studies/{id}",
      summary: "a study: its trials, Pareto front, hypervolume, reference model and privacy notes",
      tag: "studies",
      params: idParams,
      response: { kind: "json", schema: studyViewSchema },
      handle: ({ params }) => catalog.view(params.id),
    }),
    defineRoute({
      method: "get",
      path: "/api/studies/{id}/trials/{number}",
      summary: "one trial: per-group metrics with 95% intervals, the cost of privacy by group",
      tag: "studies",
      params: trialParams,
      response: { kind: "json", schema: trialDetailSchema },
      handle: ({ params }) => catalog.trial(params.id, params.number),
    }),
    defineRoute({
      method: "post",
      path: "/api/studies/{id}/resume",
      summary: "run more trials of a study, up to a new total",
      tag: "studies",
      params: idParams,
      body: { kind: "json", schema: resumeStudySchema },
      response: { kind: "json", schema: jobDocSchema, status: 202 },
      handle: async ({ params, body }) => {
        const entry = catalog.entry(params.id);
        if (jobs.forStudy(params.id))
          throw new HttpError(409, `study '${params.id}' already has a job; stop it first`);
        const snapshot = await catalog.snapshot(params.id);
        const job = jobs.start("explore", resumeStudyJob(snapshot, entry.path, body, ctx.dataDir), params.id);
        catalog.setBudget(params.id, body.budget);
        return job;
      },
    }),
    defineRoute({
      method: "post",
      path: "/api/studies/{id}/stop",
      summary:
        "stop the job that runs a study (its finished trials stay; running ones are retried on resume)",
      tag: "studies",
      params: idParams,
      response: jobResponse,
      handle: async ({ params }) => {
        catalog.entry(params.id);
        const job = jobs.forStudy(params.id);
        if (!job) throw new HttpError(409, `no job of this server runs study '${params.id}'`);
        return jobs.stop(job.id);
      },
    }),
    defineRoute({
      method: "get",
      path: "/api/studies/{id}/report.html",
      summary: "the study's self-contained HTML report (works offline)",
      tag: "studies",
      params: idParams,
      response: {
        kind: "file",
        mediaType: "text/html",
        description: "the report, as `equipoise report` writes it",
      },
      handle: async ({ params }) => {
        const snapshot = await catalog.snapshot(params.id);
        if (!isExplorerStudy(snapshot)) throw new HttpError(422, "only explorer studies have a report");
        const summary = summariseStudy(snapshot, params.id);
        const html = renderHtmlReport(
          reportDataOf(summary, {
            strategy: snapshot.strategy,
            constraints: snapshot.constraints.map((c) => c.name),
            budget: summary.trials.total,
            workers: null,
            backend: null,
            seed: snapshot.seed,
          }),
        );
        return new Response(html, {
          headers: {
            "content-type": "text/html; charset=utf-8",
            "content-disposition": `attachment; filename="${params.id}-report.html"`,
            // The report carries its own policy (inline script and style, no network).
            "content-security-policy":
              "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:",
          },
        });
      },
    }),
    defineRoute({
      method: "get",
      path: "/api/studies/{id}/events",
      summary: "live progress of one study (an event 'progress' whenever it changes)",
      tag: "studies",
      params: idParams,
      response: { kind: "events", schema: progressEventSchema, description: "event: progress" },
      handle: ({ params, context }) => {
        catalog.entry(params.id);
        return ctx.streams.respond(context, async (send) => {
          let last = "";
          const check = async () => {
            const progress = await catalog.progress(params.id);
            const key = `${catalog.signature(params.id)}|${JSON.stringify(progress.job)}|${progress.workers}`;
            if (key !== last) {
              last = key;
              await send("progress", progress);
            }
          };
          await check();
          return poll(check, ctx.pollMs, () => {});
        });
      },
    }),
    defineRoute({
      method: "get",
      path: "/api/events",
      summary: "live progress of every study and every job (events 'progress' and 'job')",
      tag: "studies",
      response: { kind: "events", schema: progressEventSchema, description: "event: progress | job" },
      handle: ({ context }) =>
        ctx.streams.respond(context, async (send) => {
          const last = new Map<string, string>();
          const check = async () => {
            for (const entry of catalog.list()) {
              const progress = await catalog.progress(entry.id);
              const key = `${catalog.signature(entry.id)}|${JSON.stringify(progress.job)}|${progress.workers}`;
              if (last.get(entry.id) !== key) {
                last.set(entry.id, key);
                await send("progress", progress);
              }
            }
          };
          const unsubscribe = jobs.subscribeAll((job) => void send("job", job));
          await check();
          const stop = poll(check, ctx.pollMs, () => {});
          return () => {
            stop();
            unsubscribe();
          };
        }),
    }),
    defineRoute({
      method: "get",
      path: "/api/datasets",
      summary: "data sets a study can be started on: bundled ones and uploads",
      tag: "data sets",
      response: { kind: "json", schema: datasetListSchema },
      handle: () => ({ datasets: datasets.list() }),
    }),
    defineRoute({
      method: "get",
      path: "/api/datasets/{id}",
      summary: "one data set and its columns",
      tag: "data sets",
      params: idParams,
      response: { kind: "json", schema: datasetDocSchema },
      handle: ({ params }) => datasets.get(params.id),
    }),
    defineRoute({
      method: "post",
      path: "/api/datasets",
      summary: "upload a CSV file (the request body); it is kept in the server's uploads folder",
      tag: "data sets",
      query: uploadQuerySchema,
      body: { kind: "raw", mediaType: "text/csv", description: "the CSV file, header row first" },
      response: { kind: "json", schema: datasetDocSchema, status: 201 },
      handle: ({ query, request }) => datasets.upload(query.name, request.body, ctx.limits.uploadBytes),
    }),
    defineRoute({
      method: "get",
      path: "/api/models",
      summary: "the models trained on this server (files in its models folder), newest first",
      tag: "models",
      response: { kind: "json", schema: modelListSchema },
      handle: () => ({ models: listModels(ctx.folders.models) }),
    }),
    defineRoute({
      method: "post",
      path: "/api/models",
      summary:
        "train a model with the recipe flags of 'equipoise train' (a job; its result is train's --json)",
      tag: "models",
      body: { kind: "json", schema: trainModelSchema },
      response: { kind: "json", schema: jobDocSchema, status: 202 },
      handle: ({ body }) =>
        jobs.start("train", trainModelJob(body, datasets, ctx.folders.models, ctx.dataDir)),
    }),
    defineRoute({
      method: "post",
      path: "/api/models/{id}/evaluate",
      summary:
        "evaluate a model on its test split or another data set (a job; its result is evaluate's --json)",
      tag: "models",
      params: idParams,
      body: { kind: "json", schema: evaluateModelSchema },
      response: { kind: "json", schema: jobDocSchema, status: 202 },
      handle: ({ params, body }) =>
        jobs.start("evaluate", evaluateModelJob(params.id, body, datasets, ctx.folders.models, ctx.dataDir)),
    }),
    defineRoute({
      method: "post",
      path: "/api/models/{id}/audit",
      summary:
        "audit a model's privacy: membership inference and an ε lower bound (a job; its result is audit's --json)",
      tag: "models",
      params: idParams,
      body: { kind: "json", schema: auditModelSchema },
      response: { kind: "json", schema: jobDocSchema, status: 202 },
      handle: ({ params, body }) =>
        jobs.start("audit", auditModelJob(params.id, body, datasets, ctx.folders.models, ctx.dataDir)),
    }),
    defineRoute({
      method: "post",
      path: "/api/models/{id}/explain",
      summary:
        "explain a model through its training rows: one test prediction, or the fairness gap (a job; its result is explain's --json, not covered by ε)",
      tag: "models",
      params: idParams,
      body: { kind: "json", schema: explainModelSchema },
      response: { kind: "json", schema: jobDocSchema, status: 202 },
      handle: ({ params, body }) =>
        jobs.start("explain", explainModelJob(params.id, body, datasets, ctx.folders.models, ctx.dataDir)),
    }),
    defineRoute({
      method: "get",
      path: "/api/jobs",
      summary: "every job of this server, newest first",
      tag: "jobs",
      response: { kind: "json", schema: jobListSchema },
      handle: () => ({ jobs: jobs.list() }),
    }),
    defineRoute({
      method: "get",
      path: "/api/jobs/{id}",
      summary: "a job: state, progress, result or error",
      tag: "jobs",
      params: idParams,
      response: jobResponse,
      handle: ({ params }) => jobs.get(params.id),
    }),
    defineRoute({
      method: "get",
      path: "/api/jobs/{id}/events",
      summary: "follow a job (an event 'job' at every change, until it ends)",
      tag: "jobs",
      params: idParams,
      response: { kind: "events", schema: jobDocSchema, description: "event: job" },
      handle: ({ params, context }) => {
        jobs.get(params.id);
        return ctx.streams.respond(context, async (send) => {
          const unsubscribe = jobs.subscribe(params.id, (job) => void send("job", job));
          await send("job", jobs.get(params.id));
          return unsubscribe;
        });
      },
    }),
    defineRoute({
      method: "post",
      path: "/api/jobs/{id}/stop",
      summary: "stop a job",
      tag: "jobs",
      params: idParams,
      response: jobResponse,
      handle: ({ params }) => jobs.stop(params.id),
    }),
  ];
}

/** For the OpenAPI document's own route (registered in app.ts). */
export const openApiRouteSchema = z.record(z.string(), z.unknown()).meta({ id: "OpenApiDocument" });
