/**
 * A TCP proxy a test controls, to take a server away from the code under test without
 * touching the server: `refuse()` closes every connection and refuses new ones (a stopped
 * server), `blackhole()` keeps accepting and holding connections but forwards nothing (an
 * unreachable one), `restore()` forwards again.
 *
 * @module
 */

/** A running proxy. */
export interface TcpProxy {
  /** Port it listens on, on 127.0.0.1. */
  port: number;
  refuse(): void;
  blackhole(): void;
  restore(): void;
  close(): Promise<void>;
}

type Mode = "forward" | "refuse" | "blackhole";

/** Starts a proxy to `hostname:port`. */
export function startTcpProxy(hostname: string, port: number): TcpProxy {
  let mode: Mode = "forward";
  let listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const listenPort = (listener.addr as Deno.NetAddr).port;
  const open = new Set<Deno.Conn>();
  const pumps = new Set<Promise<void>>();

  const closeAll = () => {
    for (const conn of open) {
      try {
        conn.close();
      } catch { /* already closed */ }
    }
    open.clear();
  };

  async function pipe(from: Deno.Conn, to: Deno.Conn): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buffer);
        if (n === null) break;
        // In a black hole, bytes are swallowed: neither side hears from the other.
        while (mode === "blackhole") await new Promise((r) => setTimeout(r, 50));
        if (!open.has(from)) break;
        let written = 0;
        while (written < n) written += await to.write(buffer.subarray(written, n));
      }
    } catch { /* a side closed */ }
    for (const c of [from, to]) {
      if (open.delete(c)) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
    }
  }

  async function accept(l: Deno.Listener): Promise<void> {
    for (;;) {
      let client: Deno.Conn;
      try {
        client = await l.accept();
      } catch {
        return; // listener closed
      }
      open.add(client);
      if (mode === "blackhole") continue; // held open, never answered
      try {
        const server = await Deno.connect({ hostname, port });
        open.add(server);
        const p = Promise.all([pipe(client, server), pipe(server, client)]).then(() => {});
        pumps.add(p);
        p.finally(() => pumps.delete(p));
      } catch {
        open.delete(client);
        client.close();
      }
    }
  }
  let accepting = accept(listener);

  return {
    port: listenPort,
    refuse() {
      mode = "refuse";
      listener.close();
      closeAll();
    },
    blackhole() {
      mode = "blackhole";
    },
    restore() {
      if (mode === "refuse") {
        listener = Deno.listen({ hostname: "127.0.0.1", port: listenPort });
        accepting = accept(listener);
      } else if (mode === "blackhole") {
        // Held connections are beyond saving, as after a real network partition.
        closeAll();
      }
      mode = "forward";
    },
    async close() {
      if (mode !== "refuse") listener.close();
      mode = "refuse";
      closeAll();
      await accepting;
      await Promise.allSettled([...pumps]);
    },
  };
}

/** DATABASE_URL's Postgres behind a {@link TcpProxy} the test controls, and its URL. */
export function proxiedDatabase(): { proxy: TcpProxy; url: string } {
  const url = Deno.env.get("DATABASE_URL");
  if (!url) throw new Error("DATABASE_URL is not set");
  const pg = new URL(url);
  const proxy = startTcpProxy(pg.hostname, Number(pg.port || 5432));
  const proxied = new URL(url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(proxy.port);
  return { proxy, url: proxied.toString() };
}
