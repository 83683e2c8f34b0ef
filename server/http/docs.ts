// Human API docs at /api/docs: Swagger UI from the local swagger-ui-dist package (no CDN), reading
// the generated /api/openapi.json.
import path from 'node:path';
import { createRequire } from 'node:module';
import express from 'express';

const assets = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Quantbase API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;

// In a file rather than inline, so the Content-Security-Policy can stay `script-src 'self'`.
const init = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#docs', persistAuthorization: false });`;

export function docsRoutes(): express.Router {
  const routes = express.Router();
  routes.use('/assets', express.static(assets, { index: false, maxAge: '1d' }));
  routes.get('/init.js', (_req, res) => res.type('application/javascript').send(init));
  routes.get('/', (_req, res) => res.type('html').send(page));
  return routes;
}
