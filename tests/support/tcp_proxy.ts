/**
 * A TCP proxy a test controls, to take a server away from the code under test and give it
 * back without touching the server itself (the shared Postgres must keep running).
 */

/** A running proxy. */
export interface TcpProxy {
  /** The port clients connect to; the same across cut and restore. */
  readonly port: number;
  /** Drops every open connection and refuses new ones. */
  cut(): void;
  /** Accepts connections again, on the same port. */
  restore(): void;
  close(): void;
}

async function pipe(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  try {
    await from.readable.pipeTo(to.writable);
  } catch {
    // Either side went away: the other is closed by its own pipe or by cut().
  }
}

/** Starts a proxy on 127.0.0.1 forwarding to `target`. */
export function startTcpProxy(target: { hostname: string; port: number }): TcpProxy {
  let listener: Deno.Listener | null = null;
  let port = 0;
  const open = new Set<Deno.Conn>();

  const closeQuietly = (conn: Deno.Conn) => {
    try {
      conn.close();
    } catch {
      // already closed
    }
  };

  const serve = (l: Deno.Listener) => {
    (async () => {
      for await (const client of l) {
        let upstream: Deno.Conn;
        try {
          upstream = await Deno.connect(target);
        } catch {
          closeQuietly(client);
          continue;
        }
        open.add(client);
        open.add(upstream);
        Promise.all([pipe(client, upstream), pipe(upstream, client)]).finally(() => {
          open.delete(client);
          open.delete(upstream);
          closeQuietly(client);
          closeQuietly(upstream);
        });
      }
    })().catch(() => {});
  };

  const listen = () => {
    listener = Deno.listen({ hostname: "127.0.0.1", port });
    port = (listener.addr as Deno.NetAddr).port;
    serve(listener);
  };
  listen();

  const cut = () => {
    if (listener) {
      listener.close();
      listener = null;
    }
    for (const conn of open) closeQuietly(conn);
    open.clear();
  };

  return {
    get port() {
      return port;
    },
    cut,
    restore() {
      if (!listener) listen();
    },
    close: cut,
  };
}
