/**
 * The HTTP server every devnet answers on: one handler, requests in flight tracked so that
 * closing lets held ones (a "timeout" fault holding its request) answer first.
 *
 * @module
 */

/** Where a devnet listens. */
export interface DevnetListenOptions {
  /** Listening port; absent or 0: any free port. */
  readonly port?: number;
  /** Listening host, default 127.0.0.1. */
  readonly hostname?: string;
}

/** A running devnet HTTP server. */
export interface DevnetHttpServer {
  /** Scheme, host and port, without a trailing slash (`http://127.0.0.1:40001`). */
  readonly origin: string;
  /** Waits for the requests in flight, then stops listening. */
  close(): Promise<void>;
}

/** Serves `handle` at `options`' address. */
export function serveDevnetHttp(
  options: DevnetListenOptions,
  handle: (request: Request) => Promise<Response>,
): DevnetHttpServer {
  const inflight = new Set<Promise<Response>>();
  const server = Deno.serve(
    { port: options.port ?? 0, hostname: options.hostname ?? "127.0.0.1", onListen: () => {} },
    (request) => {
      const answer = handle(request);
      inflight.add(answer);
      answer.finally(() => inflight.delete(answer)).catch(() => {});
      return answer;
    },
  );
  const { hostname, port } = server.addr;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    origin: `http://${host}:${port}`,
    async close() {
      await Promise.allSettled([...inflight]);
      await server.shutdown();
    },
  };
}
