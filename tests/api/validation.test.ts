import assert from "node:assert/strict";
import { type ApiResponse, startApi } from "../support/api_client.ts";

/** Asserts a 4xx JSON error whose message starts with `field: `. */
function assertFieldError(r: ApiResponse, status: number, field: string, what: string): void {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  const body = r.json as { error?: unknown };
  assert.deepEqual(Object.keys(body ?? {}), ["error"], `${what}: ${r.text}`);
  assert.ok(
    String(body.error).startsWith(`${field}: `),
    `${what}: expected error about ${field}, got ${r.text}`,
  );
}

const WITHDRAWAL = {
  user_id: "123",
  query_id: "321",
  currency: "TON",
  amount: "100",
  destination: "0QCdyiS-fIV9UVfI9Phswo4l2MA-hm8YseHynZ_YiH9Y1oSe",
  comment: "hello",
};

const BAD_AMOUNTS: unknown[] = [
  "1.5",
  "-1",
  "+1",
  "1e9",
  " 1",
  "1 ",
  "",
  "01",
  "0x10",
  "0",
  (1n << 256n).toString(),
  "9".repeat(100),
  100,
  1.5,
  null,
  true,
  ["1"],
  { v: "1" },
];

const BAD_IDS: unknown[] = ["", " 123", "123 ", "a\u0000b", "x".repeat(257), "\ud800", 123, null, [
  "1",
]];

Deno.test("bad input is a 4xx naming the field, never a 500", async (t) => {
  const api = await startApi();
  try {
    await t.step("POST /v1/withdrawal/send refuses every malformed amount", async () => {
      for (const amount of BAD_AMOUNTS) {
        const r = await api.request("POST", "/v1/withdrawal/send", {
          body: { ...WITHDRAWAL, amount },
        });
        assertFieldError(r, 400, "amount", `amount ${JSON.stringify(amount)}`);
      }
      const r = await api.request("POST", "/v1/withdrawal/send", {
        body: { ...WITHDRAWAL, amount: "1.5" },
      });
      assert.equal(
        (r.json as { error: string }).error,
        "amount: must be a decimal string of base units",
      );
      const zero = await api.request("POST", "/v1/withdrawal/send", {
        body: { ...WITHDRAWAL, amount: "0" },
      });
      assert.equal((zero.json as { error: string }).error, "amount: must be greater than zero");
    });

    await t.step("user_id and query_id must be trimmed non-empty strings up to 256", async () => {
      for (const field of ["user_id", "query_id"]) {
        for (const value of BAD_IDS) {
          const r = await api.request("POST", "/v1/withdrawal/send", {
            body: { ...WITHDRAWAL, [field]: value },
          });
          assertFieldError(r, 400, field, `${field} ${JSON.stringify(value)}`);
        }
      }
      const numeric = await api.request("POST", "/v1/address/new", {
        body: { user_id: 123, currency: "TON" },
      });
      assert.equal((numeric.json as { error: string }).error, "user_id: must be a string");
    });

    await t.step("a missing required field is named", async () => {
      for (const field of ["user_id", "query_id", "currency", "amount", "destination"]) {
        const body: Record<string, unknown> = { ...WITHDRAWAL };
        delete body[field];
        const r = await api.request("POST", "/v1/withdrawal/send", { body });
        assertFieldError(r, 400, field, `missing ${field}`);
        assert.equal((r.json as { error: string }).error, `${field}: is required`);
      }
    });

    await t.step("an unknown body field is refused by name", async () => {
      const r = await api.request("POST", "/v1/withdrawal/send", {
        body: { ...WITHDRAWAL, amout: "5" },
      });
      assert.equal((r.json as { error: string }).error, "amout: unknown field");
      const proto = await api.request("POST", "/v1/address/new", {
        body: '{"user_id":"1","currency":"TON","__proto__":{"x":1}}',
      });
      assertFieldError(proto, 400, "__proto__", "__proto__ key");
    });

    await t.step("comment and binary_comment are strings and mutually exclusive", async () => {
      const both = await api.request("POST", "/v1/withdrawal/send", {
        body: { ...WITHDRAWAL, binary_comment: "9fe7_" },
      });
      assertFieldError(both, 400, "binary_comment", "both memos");
      for (const field of ["comment", "binary_comment"]) {
        for (const value of [5, true, ["a"], { a: 1 }, "a\u0000b", "\udc00"]) {
          const body: Record<string, unknown> = { ...WITHDRAWAL, comment: undefined };
          body[field] = value;
          const r = await api.request("POST", "/v1/withdrawal/send", { body });
          assertFieldError(r, 400, field, `${field} ${JSON.stringify(value)}`);
        }
      }
    });

    await t.step("a well-formed request for an unknown currency is 400 on currency", async () => {
      const r = await api.request("POST", "/v1/withdrawal/send", { body: WITHDRAWAL });
      assertFieldError(r, 400, "currency", "unknown currency");
      for (const body of [{ user_id: "1", currency: "TON" }, { user_id: "1", currency: "DOGE" }]) {
        assertFieldError(
          await api.request("POST", "/v1/address/new", { body }),
          400,
          "currency",
          "new address",
        );
      }
      assertFieldError(
        await api.request("GET", "/v1/balance?currency=TON"),
        400,
        "currency",
        "balance",
      );
      assertFieldError(
        await api.request("GET", "/v1/deposit/history?user_id=1&currency=TON"),
        400,
        "currency",
        "history",
      );
      assertFieldError(
        await api.request("POST", "/v1/withdrawal/service/ton", { body: { from: "EQabc" } }),
        400,
        "currency",
        "service ton",
      );
    });

    await t.step("service withdrawals need their fields and refuse unknown ones", async () => {
      assertFieldError(
        await api.request("POST", "/v1/withdrawal/service/ton", { body: {} }),
        400,
        "from",
        "no from",
      );
      assertFieldError(
        await api.request("POST", "/v1/withdrawal/service/ton", { body: { from: 1 } }),
        400,
        "from",
        "numeric from",
      );
      assertFieldError(
        await api.request("POST", "/v1/withdrawal/service/jetton", { body: { owner: "x" } }),
        400,
        "jetton_master",
        "no master",
      );
      assertFieldError(
        await api.request("POST", "/v1/withdrawal/service/jetton", {
          body: { owner: "x", jetton_master: "y", extra: 1 },
        }),
        400,
        "extra",
        "extra field",
      );
    });

    await t.step(
      "a jetton service withdrawal for an unconfigured master names jetton_master",
      async () => {
        const r = await api.request("POST", "/v1/withdrawal/service/jetton", {
          body: {
            owner: "0QAUuul9LdYcyJuBHernHo3JkbWTduH_FuEb2H8jCDdGesOP",
            jetton_master: "kQCKt2WPGX-fh0cIAz38Ljd_OKQjoZE_cqk7QrYGsNP6wfP0",
          },
        });
        assert.equal(r.status, 400);
        assert.deepEqual(r.json, { error: "jetton_master: no configured jetton has this master" });
      },
    );

    await t.step("user_id query parameters follow the body rules", async () => {
      for (const path of ["/v1/address/all", "/v1/income"]) {
        assertFieldError(await api.request("GET", path), 400, "user_id", `${path} no user`);
        for (
          const q of ["user_id=", "user_id=%20a", "user_id=a%00b", `user_id=${"x".repeat(257)}`]
        ) {
          assertFieldError(
            await api.request("GET", `${path}?${q}`),
            400,
            "user_id",
            `${path}?${q}`,
          );
        }
        assertFieldError(
          await api.request("GET", `${path}?user_id=1&user_id=2`),
          400,
          "user_id",
          "repeated",
        );
        assertFieldError(
          await api.request("GET", `${path}?user_id=1&userid=2`),
          400,
          "userid",
          "unknown parameter",
        );
      }
      const ok = await api.request("GET", "/v1/income?user_id=nobody");
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.json, { counting_side: "deposit", total_income: [] });
    });

    await t.step("limit, offset and sort_order are validated", async () => {
      const base = "/v1/deposit/history?user_id=1&currency=TON";
      const cases: [string, string, string][] = [
        ["limit=1.5", "limit", "must be a whole number"],
        ["limit=-1", "limit", "must be a whole number"],
        ["limit=abc", "limit", "must be a whole number"],
        ["limit=", "limit", "must be a whole number"],
        ["limit=0", "limit", "must be at least 1"],
        ["limit=1001", "limit", "must be at most 1000"],
        ["limit=1e3", "limit", "must be a whole number"],
        ["limit=01", "limit", "must be a whole number"],
        ["offset=-1", "offset", "must be a whole number"],
        ["offset=1.5", "offset", "must be a whole number"],
        ["offset=99999999999999999999", "offset", "must be a whole number"],
        ["sort_order=up", "sort_order", "must be asc or desc"],
        ["sort_order=ASC", "sort_order", "must be asc or desc"],
      ];
      for (const [q, field, message] of cases) {
        const r = await api.request("GET", `${base}&${q}`);
        assert.equal(r.status, 400, `${q}: ${r.text}`);
        assert.deepEqual(r.json, { error: `${field}: ${message}` }, q);
      }
      assertFieldError(
        await api.request("GET", "/v1/deposit/history?user_id=1"),
        400,
        "currency",
        "no currency",
      );
    });

    await t.step("tx_hash must be 64 hex characters; an unknown one is 404", async () => {
      for (const h of ["", "abc", "g".repeat(64), "a".repeat(63), "a".repeat(65)]) {
        assertFieldError(
          await api.request("GET", `/v1/deposit/income?tx_hash=${h}`),
          400,
          "tx_hash",
          h,
        );
      }
      assertFieldError(await api.request("GET", "/v1/deposit/income"), 400, "tx_hash", "missing");
      const r = await api.request("GET", `/v1/deposit/income?tx_hash=${"A".repeat(64)}`);
      assert.equal(r.status, 404, r.text);
      assert.match((r.json as { error: string }).error, /tx_hash/);
    });

    await t.step("domain must look like a name; with no resolver it is 404", async () => {
      for (
        const d of ["", "ton", "a..ton", ".ton", "wallet.", "wal let.ton", "x".repeat(130) + ".ton"]
      ) {
        assertFieldError(
          await api.request("GET", `/v1/resolve?domain=${encodeURIComponent(d)}`),
          400,
          "domain",
          d,
        );
      }
      const r = await api.request("GET", "/v1/resolve?domain=wallet.ton");
      assert.equal(r.status, 404, r.text);
      assert.equal(typeof (r.json as { error: string }).error, "string");
    });

    await t.step("withdrawal status needs a positive whole id; an unknown id is 404", async () => {
      for (
        const id of [
          "",
          "abc",
          "1.5",
          "-1",
          "0",
          "01",
          "1e3",
          "9007199254740992",
          "99999999999999999999",
        ]
      ) {
        assertFieldError(await api.request("GET", `/v1/withdrawal/status?id=${id}`), 400, "id", id);
      }
      assertFieldError(await api.request("GET", "/v1/withdrawal/status"), 400, "id", "missing");
      const r = await api.request("GET", "/v1/withdrawal/status?id=9007199254740991");
      assert.equal(r.status, 404, r.text);
      assert.match((r.json as { error: string }).error, /withdrawal/);
    });

    await t.step("balance validates currency and address parameters", async () => {
      assertFieldError(await api.request("GET", "/v1/balance"), 400, "currency", "no currency");
      assertFieldError(
        await api.request("GET", "/v1/balance?currency=TON&address="),
        400,
        "address",
        "empty address",
      );
    });

    await t.step("no request above produced a 500 or an error log", () => {
      assert.deepEqual(api.logs.filter((l) => l.level === "error"), []);
    });
  } finally {
    await api.close();
  }
});
