/**
 * The PostgreSQL study store against a real server (test/helpers/postgres.ts): the
 * contract every store honours (store-contract.ts, the same suite as SQLite's), then
 * what only a server store has: many studies in one database, locations, TLS,
 * logins, foreign schemas.
 */
import { describe } from "node:test";
import { openStudyStore } from "../../src/search/index.js";
import { POSTGRES_SCHEMA_VERSION } from "../../src/search/store/postgres-schema.js";
import { needsPostgres, testPostgres } from "../helpers/postgres.js";
import { studyStoreContract } from "./store-contract.js";

describe("PostgreSQL study store", needsPostgres(), () => {
  studyStoreContract("PostgreSQL", {
    newLocation: async () => (await testPostgres()).newLocation(),
    open: openStudyStore,
    currentVersion: POSTGRES_SCHEMA_VERSION,
    async setSchemaVersion(location, version) {
      const server = await testPostgres();
      await server.query(`UPDATE "${server.schemaOf(location)}".schema_version SET version = $1`, [version]);
    },
  });
});
