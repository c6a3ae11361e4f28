/**
 * Wake-ups: how one part of the processor tells a worker that work is waiting (a withdrawal
 * was queued, a block holding our payload committed), so the worker runs now rather than at
 * the end of its idle wait. In this process a wake-up is a call; on a shared Postgres it also
 * goes out as a `NOTIFY`, because the API that queued a withdrawal and the sender that pays
 * it may run in different instances (each chain's sender runs wherever its leader lock is,
 * see `leader.ts`). A lost wake-up costs only latency: every worker still wakes at its
 * interval, and a pass always starts from the persisted state.
 *
 * @module
 */

import type { Db } from "./db.ts";
import type { Logger } from "./log.ts";

/** The Postgres channel every instance listens on; the payload is `<instance>:<topic>`. */
export const WAKE_CHANNEL = "processor_wake";

/** The topic of a withdrawal queued on `chain`: its sender may sign it now. */
export function queuedTopic(chain: string): string {
  return `queued:${chain}`;
}

/**
 * The topic of a block committed on `chain` that holds one of our payloads (or a rollback
 * that dropped one): a sequence-numbered wallet may sign its next payload, a window of
 * payloads in flight has room again.
 */
export function landedTopic(chain: string): string {
  return `landed:${chain}`;
}

/** Wake-ups by topic, across this process and every instance on the same database. */
export interface Wakes {
  /** Wakes the topic's subscribers here and in the other instances; never throws. */
  notify(topic: string): void;
  /** Calls `wake` on every wake-up of `topic` until the returned function is called. */
  subscribe(topic: string, wake: () => void): () => void;
  /** Stops listening to the other instances. */
  close(): Promise<void>;
}

/**
 * Creates the wake-ups of one instance. On Postgres (`db.listen`) it listens on
 * {@linkcode WAKE_CHANNEL} and sends each wake-up there too, at most one at a time per topic
 * (a burst of wake-ups while one is on its way becomes one more); PGlite belongs to one
 * process, where a call reaches everyone.
 */
export function createWakes(db: Db, log: Logger): Wakes {
  const subscribers = new Map<string, Set<() => void>>();
  const wakeHere = (topic: string) => {
    for (const wake of subscribers.get(topic) ?? []) wake();
  };
  // Our own notifications come back too; this instance was woken when it sent them.
  const self = crypto.randomUUID();
  const fromOthers = (payload: string) => {
    const at = payload.indexOf(":");
    if (payload.slice(0, at) !== self) wakeHere(payload.slice(at + 1));
  };
  // Per topic: a NOTIFY on its way, and whether another was asked for meanwhile.
  const sending = new Map<string, boolean>();
  const send = (topic: string) => {
    sending.set(topic, false);
    db.query("select pg_notify($1, $2)", [WAKE_CHANNEL, `${self}:${topic}`])
      .catch((error) => log.debug("wake-up not sent to other instances", { topic, error }))
      .finally(() => {
        if (sending.get(topic)) send(topic);
        else sending.delete(topic);
      });
  };
  let stopListening: Promise<(() => Promise<void>) | null> = Promise.resolve(null);
  if (db.listen) {
    stopListening = db.listen(WAKE_CHANNEL, fromOthers).catch((error) => {
      // Workers then wake at their intervals, as they would have without this.
      log.warn("not listening for other instances' wake-ups", { error });
      return null;
    });
  }
  return {
    notify(topic) {
      wakeHere(topic);
      if (!db.listen) return;
      if (sending.has(topic)) sending.set(topic, true);
      else send(topic);
    },
    subscribe(topic, wake) {
      let set = subscribers.get(topic);
      if (!set) subscribers.set(topic, set = new Set());
      set.add(wake);
      return () => {
        set.delete(wake);
        if (set.size === 0 && subscribers.get(topic) === set) subscribers.delete(topic);
      };
    },
    async close() {
      await (await stopListening)?.();
    },
  };
}
