/**
 * `/metrics` as Prometheus sees it: scraped over HTTP from a processor on a real TRON devnet
 * and parsed by an independent Prometheus text-format parser (not prom-client's own), every
 * family is there with the values the processor's state implies; an alarm shows and clears;
 * the scrape honours bearer and basic auth.
 */

import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { exchangeEventsTick } from "../../core/exchange_events.ts";
import { ingestOnce } from "../../core/ingest.ts";
import { createMetrics, METRIC_FAMILIES, nodeObserver } from "../../core/metrics.ts";
import { newAddress, requestWithdrawal } from "../../core/processor.ts";
import { senderTick } from "../../core/sender.ts";
import { raiseAlarm } from "../../core/store/alarms.ts";
import { webhookTick } from "../../core/webhooks.ts";
import { systemClock } from "../../core/clock.ts";
import { parseConfig } from "../../core/config.ts";
import { silentLogger } from "../../core/log.ts";
import { tronDevnetControls } from "../../plugins/tron/dev.ts";
import { createTronPlugin } from "../../plugins/tron/plugin.ts";
import { serveApi, TEST_TOKEN } from "../support/api_client.ts";
import { openTestDb } from "../support/db.ts";
import { withTronHarness } from "../support/harness.ts";
import { testKey } from "../plugins/tron/devnet/helpers.ts";

/** A family as parse-prometheus-text-format gives it. */
interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; count?: string }[];
}

const SCRAPE_TOKEN = "scrape-token-0123456789";

function family(families: Family[], name: string): Family {
  const found = families.find((f) => f.name === name);
  assert.ok(found, `family ${name} is missing`);
  return found;
}

/** The value of the sample of `name` whose labels include `labels`. */
function sample(families: Family[], name: string, labels: Record<string, string>): number {
  const f = family(families, name);
  const match = f.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)
  );
  assert.ok(match, `${name}${JSON.stringify(labels)} has no sample`);
  return Number(match.value ?? match.count);
}

Deno.test("a scrape holds every family, parsed by a real Prometheus parser, with values that match the processor's state", () =>
  withTronHarness({
    raw: {
      api: { tokens: [TEST_TOKEN] },
      metrics: { token: SCRAPE_TOKEN },
      // Nothing listens there: the delivery fails and the event stays in the outbox.
      exchangeWebhook: { url: "http://127.0.0.1:9/hooks", secret: "exchange-secret-0123456789" },
    },
    tron: { confirmations: 1 },
    assets: { TRX: { minSweep: "1000000" } },
  }, async (h) => {
    const metrics = createMetrics();
    // The plugin as the runtime builds it: its node client reports to the metrics.
    await h.plugin.close();
    const plugin = await createTronPlugin(h.config, {
      devnet: tronDevnetControls(h.devnet),
      observer: nodeObserver(metrics, "tron"),
    });
    (h.ctx.plugins as Map<string, typeof plugin>).set("tron", plugin);
    h.ctx.metrics = metrics;
    const api = serveApi(h.ctx);
    try {
      await h.devnet.faucetTrx(h.hot, 1_000_000_000n);
      const deposit = await newAddress(h.ctx, "alice", "TRX");
      await h.devnet.faucetTrx(deposit, 5_000_000n);
      h.devnet.produceBlock();
      while (await ingestOnce(h.ctx, plugin));
      // The node fails once: counted by method, and the block is read again after.
      h.devnet.faults.failNext("/wallet/getblock", 1, "error");
      await assert.rejects(() => ingestOnce(h.ctx, plugin), /TRON node \(tron\.endpoint\)/);
      await senderTick(h.ctx, plugin); // signs the sweep of alice's deposit
      h.devnet.produceBlock();
      while (await ingestOnce(h.ctx, plugin));
      await exchangeEventsTick(h.ctx);
      await webhookTick(h.ctx);

      await requestWithdrawal(h.ctx, {
        userId: "alice",
        queryId: "w1",
        currency: "TRX",
        amount: 1_000_000n,
        destination: testKey("metrics-payee").address,
        comment: null,
        binaryComment: null,
      });
      await raiseAlarm(h.ctx.db, "tron", "test_condition", "raised by the test");
      assert.equal((await senderTick(h.ctx, plugin)).halted, true);
      assert.equal((await api.request("GET", "/v1/withdrawal/status?id=999")).status, 404);
      assert.equal((await api.request("GET", "/no/such/path/42")).status, 404);

      const refused = await api.request("GET", "/metrics", { token: null });
      assert.equal(refused.status, 401, refused.text);
      assert.equal((await api.request("GET", "/metrics", { token: TEST_TOKEN })).status, 401);
      const scrape = await api.request("GET", "/metrics", { token: SCRAPE_TOKEN });
      assert.equal(scrape.status, 200, scrape.text);
      assert.match(scrape.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      const families = parsePrometheusTextFormat(scrape.text) as Family[];
      for (const name of METRIC_FAMILIES) {
        assert.ok(family(families, name).metrics.length > 0, `${name} has no sample`);
      }

      const [cursor] = await h.ctx.db.query("select height::text as height from cursors");
      const tron = { chain: "tron" };
      assert.equal(sample(families, "processor_chain_scanned_height", tron), Number(cursor.height));
      assert.ok(sample(families, "processor_chain_node_height", tron) >= Number(cursor.height));
      assert.ok(sample(families, "processor_chain_lag_seconds", tron) < 60);
      assert.ok(sample(families, "processor_chain_blocks_scanned_total", tron) >= 2);
      assert.ok(sample(families, "processor_chain_transactions_scanned_total", tron) >= 3);
      const trx = { chain: "tron", currency: "TRX" };
      assert.equal(sample(families, "processor_incomes_total", trx), 1);
      assert.equal(sample(families, "processor_income_amount_total", trx), 5);
      assert.equal(
        sample(families, "processor_node_errors_total", { chain: "tron", method: "getblock" }),
        1,
      );
      assert.equal(sample(families, "processor_withdrawals", { ...trx, status: "pending" }), 1);
      assert.equal(sample(families, "processor_withdrawal_queue_depth", trx), 1);
      const age = sample(families, "processor_withdrawal_oldest_pending_age_seconds", trx);
      assert.ok(age >= 0 && age < 60, String(age));
      const hot = sample(families, "processor_hot_wallet_balance", trx);
      assert.ok(hot > 1000 && hot <= 1005, String(hot));
      assert.equal(sample(families, "processor_sweeps", { ...trx, status: "done" }), 1);
      assert.ok(
        sample(families, "processor_sweep_fees", { ...trx, fee_currency: "TRX" }) >= 0,
      );
      const exchange = { target: "exchange" };
      assert.equal(sample(families, "processor_webhook_outbox_pending", exchange), 1);
      assert.ok(
        sample(families, "processor_webhook_outbox_oldest_pending_age_seconds", exchange) > 0,
      );
      assert.equal(
        sample(families, "processor_webhook_deliveries_total", { ...exchange, result: "failed" }),
        1,
      );
      assert.equal(sample(families, "processor_alarms_open", tron), 1);
      assert.equal(sample(families, "processor_sender_halted", tron), 1);
      // Routes are their patterns; a path no route knows is one label, whatever its content.
      const status = { method: "GET", route: "/v1/withdrawal/status", status: "404" };
      assert.equal(sample(families, "processor_http_requests_total", status), 1);
      assert.equal(
        sample(families, "processor_http_requests_total", { route: "unmatched", status: "404" }),
        1,
      );
      // This parser folds a labelled histogram into one bucket set (it keeps labels only for
      // unlabelled ones), so the family's shape is checked here and its per-route count below.
      const latency = family(families, "processor_http_request_duration_seconds");
      assert.equal(latency.type, "HISTOGRAM");
      assert.ok("+Inf" in ((latency.metrics[0] as { buckets?: object }).buckets ?? {}));
      assert.match(
        scrape.text,
        /^processor_http_request_duration_seconds_count\{method="GET",route="\/v1\/withdrawal\/status",status="404"\} 1$/m,
      );
      assert.ok(
        !family(families, "processor_http_requests_total").metrics.some((m) =>
          m.labels?.route?.includes("42")
        ),
      );

      // Resolving the alarm clears it from the next scrape.
      const [alarm] = await h.ctx.db.query("select id::text as id from alarms");
      const resolved = await api.request("POST", `/v1/admin/alarms/${alarm.id}/resolve`, {
        body: { note: "test over" },
      });
      assert.equal(resolved.status, 200, resolved.text);
      const after = parsePrometheusTextFormat(
        (await api.request("GET", "/metrics", { token: SCRAPE_TOKEN })).text,
      ) as Family[];
      assert.equal(sample(after, "processor_alarms_open", tron), 0);
      assert.equal(sample(after, "processor_sender_halted", tron), 0);
      assert.equal(
        sample(after, "processor_http_requests_total", {
          route: "/v1/admin/alarms/:alarmId/resolve",
          status: "200",
        }),
        1,
      );
    } finally {
      await api.close();
    }
  }));

Deno.test("a scrape may use basic auth; wrong or missing credentials are 401", async () => {
  const t = await openTestDb();
  const config = parseConfig({
    api: { tokens: [TEST_TOKEN] },
    metrics: { username: "prometheus", password: "scrape-password-0123456789" },
  });
  const api = serveApi({
    db: t.db,
    config,
    plugins: new Map(),
    clock: systemClock,
    log: silentLogger,
  });
  const basic = (user: string, password: string) => ({
    token: null,
    headers: { Authorization: `Basic ${btoa(`${user}:${password}`)}` },
  });
  try {
    assert.equal((await api.request("GET", "/metrics", { token: null })).status, 401);
    const wrong = await api.request("GET", "/metrics", basic("prometheus", "wrong-password"));
    assert.equal(wrong.status, 401);
    assert.deepEqual(Object.keys(wrong.json as object), ["error"]);
    const ok = await api.request(
      "GET",
      "/metrics",
      basic("prometheus", "scrape-password-0123456789"),
    );
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.text, /^# HELP processor_/m);
  } finally {
    await api.close();
    await t.close();
  }
});

Deno.test("metrics config: a username needs a password, and metrics can be turned off", async () => {
  assert.throws(
    () => parseConfig({ metrics: { username: "prometheus" } }),
    /metrics\.password: is required with username/,
  );
  assert.throws(
    () => parseConfig({ metrics: { token: "short" } }),
    /metrics\.token: must be at least 16 characters/,
  );
  const t = await openTestDb();
  const api = serveApi({
    db: t.db,
    config: parseConfig({ metrics: { enabled: false } }),
    plugins: new Map(),
    clock: systemClock,
    log: silentLogger,
  });
  try {
    assert.equal((await api.request("GET", "/metrics", { token: null })).status, 404);
  } finally {
    await api.close();
    await t.close();
  }
});

Deno.test("the sample Grafana dashboard queries only families the processor exports, and all of them", async () => {
  const dashboard = JSON.parse(
    await Deno.readTextFile(new URL("../../ops/grafana_dashboard.json", import.meta.url)),
  ) as { panels: { title: string; targets: { expr: string }[] }[] };
  const used = new Set<string>();
  for (const panel of dashboard.panels) {
    assert.ok(panel.targets.length > 0, panel.title);
    for (const { expr } of panel.targets) {
      for (const name of expr.match(/processor_[a-z_]+/g) ?? []) {
        const base = name.replace(/_(bucket|count|sum)$/, "");
        assert.ok(
          (METRIC_FAMILIES as readonly string[]).includes(base),
          `${panel.title}: ${name} is not exported`,
        );
        used.add(base);
      }
    }
  }
  const unused = METRIC_FAMILIES.filter((f) =>
    !used.has(f) && f !== "processor_income_amount_total"
  );
  assert.deepEqual(unused, []);
});
