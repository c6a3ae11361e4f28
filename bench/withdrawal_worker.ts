/**
 * The worker thread of {@linkcode queueAndWait} on Postgres: gets the API, the database and
 * the load, answers with the run or `{ error }`.
 *
 * @module
 */

import { openPostgres } from "../core/db.ts";
import { queueAndWait, type WithdrawalLoad } from "./withdrawal_throughput.ts";

interface Job {
  url: string;
  token: string;
  databaseUrl: string;
  schema: string;
  load: WithdrawalLoad;
}

// Deno's worker global: `self` with postMessage and onmessage.
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<Job>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async (e) => {
  const { url, token, databaseUrl, schema, load } = e.data;
  const db = openPostgres(databaseUrl, { max: 1, schema });
  try {
    scope.postMessage(await queueAndWait(url, token, db, load));
  } catch (error) {
    scope.postMessage({ error: String(error) });
  } finally {
    await db.close();
  }
};
