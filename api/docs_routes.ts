/**
 * The API's own description, open like the probes: `GET /openapi.json` (api/openapi.ts) and
 * an interactive reference page, `GET /docs`, made of Swagger UI's files from the
 * `swagger-ui-dist` npm package, served from here so that the page works offline; its CSP
 * lets it load nothing from another origin. The assets are read from the package's folder
 * once, on first request (in a `deno compile` binary that folder is embedded with the package).
 *
 * @module
 */

// Keeps the package in the module graph, so `deno compile` embeds its files.
import "swagger-ui-dist/absolute-path.js";
import { createRequire } from "node:module";
import type { Register } from "./processor_routes.ts";
import { openApiDocument } from "./openapi.ts";

const require = createRequire(import.meta.url);

/** The Swagger UI files the page uses, by the name it asks for them with. */
const ASSETS: Record<string, { file: string; type: string }> = {
  "swagger-ui.css": { file: "swagger-ui-dist/swagger-ui.css", type: "text/css; charset=utf-8" },
  "favicon-32x32.png": { file: "swagger-ui-dist/favicon-32x32.png", type: "image/png" },
  "swagger-ui-bundle.js": {
    file: "swagger-ui-dist/swagger-ui-bundle.js",
    type: "text/javascript; charset=utf-8",
  },
};

// The page's own script: no inline script, so the CSP needs no 'unsafe-inline' for scripts.
// No validatorUrl: Swagger UI would otherwise send the document to an outside validator.
const INIT_JS = `window.ui = SwaggerUIBundle({
  url: new URL("openapi.json", location.href).href,
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Payment processor API</title>
<link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/init.js"></script>
</body>
</html>
`;

const SECURITY: Record<string, string> = {
  // Swagger UI sets inline styles and shows inline SVG images; nothing else is allowed.
  "Content-Security-Policy": [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

/** Registers `/openapi.json`, `/docs` and the page's assets. */
export function registerDocsRoutes(register: Register): void {
  let document: string | null = null;
  const files = new Map<string, Promise<Uint8Array>>();
  const answer = (body: BodyInit, type: string, cache: string) =>
    new Response(body, { headers: { ...SECURITY, "Content-Type": type, "Cache-Control": cache } });

  register("GET", "/openapi.json", [], () => {
    document ??= JSON.stringify(openApiDocument());
    return Promise.resolve(answer(document, "application/json", "no-cache"));
  });

  register("GET", "/docs", [], () => {
    return Promise.resolve(answer(PAGE, "text/html; charset=utf-8", "no-cache"));
  });

  register("GET", "/docs/assets/init.js", [], () => {
    return Promise.resolve(answer(INIT_JS, "text/javascript; charset=utf-8", "no-cache"));
  });

  for (const [name, asset] of Object.entries(ASSETS)) {
    register("GET", `/docs/assets/${name}`, [], async () => {
      let file = files.get(name);
      if (!file) {
        file = Deno.readFile(require.resolve(asset.file));
        files.set(name, file);
        // A failed read is retried on the next request rather than remembered.
        file.catch(() => files.delete(name));
      }
      return answer((await file).slice(), asset.type, "public, max-age=3600");
    });
  }
}
