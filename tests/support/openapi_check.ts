/**
 * Checks an HTTP answer of the API against the OpenAPI document the app serves
 * (api/openapi.ts): the operation must document the status, and a JSON body must match the
 * response's schema, validated by ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1) with
 * the document's own component schemas. The test clients (api_client.ts, merchant_client.ts)
 * run it on every answer, so every API test is also a test of the document.
 *
 * A request no operation describes (a path or method the API does not have) must be answered
 * 404 or 405 (or 400, 414, 429 by the guards before routing) with the error schema; the paths the document leaves out on purpose
 * (`UNDOCUMENTED_PATHS`) are not checked.
 *
 * @module
 */

import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { openApiDocument, UNDOCUMENTED_PATHS } from "../../api/openapi.ts";

type JsonObject = Record<string, unknown>;

// ajv-formats is CommonJS: its default export is the function itself.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

const DOCUMENT_ID = "https://processor.invalid/openapi.json";

interface Checker {
  document: JsonObject;
  ajv: Ajv2020;
  /** Documented paths as matchers, with their path item. */
  paths: { pattern: RegExp; template: string; item: JsonObject }[];
}

let checker: Checker | null = null;

function load(): Checker {
  if (checker) return checker;
  const document = openApiDocument();
  // strict: false because a document's non-schema parts (paths, info) sit beside the schemas.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  const paths = Object.entries(document.paths as Record<string, JsonObject>).map(
    ([template, item]) => ({
      template,
      item,
      pattern: new RegExp(
        "^" + template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+") + "$",
      ),
    }),
  );
  checker = { document, ajv, paths };
  return checker;
}

/** What the check needs of an answer. */
export interface CheckedResponse {
  status: number;
  headers: Headers;
  text: string;
}

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

/**
 * Throws when the answer to `method url` (a path with its query, or an absolute URL) is not
 * what the document says: an undocumented status, a body that is not JSON where JSON is
 * documented, or a body the response schema refuses.
 */
export function checkAgainstDocument(
  method: string,
  url: string,
  response: CheckedResponse,
): void {
  const path = new URL(url, "http://api.invalid").pathname;
  if (UNDOCUMENTED_PATHS.some((u) => path === u.prefix || path.startsWith(u.prefix))) return;
  const { ajv, paths } = load();
  const verb = method.toLowerCase() === "head" ? "get" : method.toLowerCase();
  const found = paths.find((p) => p.pattern.test(path));
  const operation = found?.item[verb] as JsonObject | undefined;
  const where = `${method} ${path} → ${response.status}`;
  let ref: string;
  if (!operation || !found) {
    // Before routing, the URL guard (400, 414) and the auth throttle (429) answer anything.
    if (![400, 404, 405, 414, 429].includes(response.status)) {
      throw new Error(`openapi: ${where}: no operation documents this request`);
    }
    ref = "#/components/schemas/Error";
  } else {
    const responses = operation.responses as Record<string, JsonObject>;
    if (!(String(response.status) in responses)) {
      throw new Error(`openapi: ${where}: status not documented (has ${Object.keys(responses)})`);
    }
    const content = responses[String(response.status)].content as JsonObject | undefined;
    if (!content?.["application/json"]) return;
    ref = "#/" + pointer(
      "paths",
      found.template,
      verb,
      "responses",
      String(response.status),
      "content",
      "application/json",
      "schema",
    );
  }
  if (verb !== method.toLowerCase()) return; // HEAD: no body to check
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("application/json")) {
    throw new Error(`openapi: ${where}: Content-Type ${type}, documented application/json`);
  }
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    throw new Error(`openapi: ${where}: body is not JSON: ${response.text.slice(0, 200)}`);
  }
  const validate = ajv.getSchema(DOCUMENT_ID + ref);
  if (!validate) throw new Error(`openapi: no schema at ${ref}`);
  if (!validate(body)) {
    throw new Error(
      `openapi: ${where}: body does not match ${ref}: ${ajv.errorsText(validate.errors)}\n` +
        response.text.slice(0, 2000),
    );
  }
}
