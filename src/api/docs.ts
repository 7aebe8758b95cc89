// Browsable API docs per level: Swagger UI served from the local swagger-ui-dist package (no network), pointed at
// the level's openapi.json.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import type { Level } from '../domain/tenancy/caller.ts';

const require = createRequire(import.meta.url);
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

function distDir(): string {
  return (require('swagger-ui-dist') as { getAbsoluteFSPath(): string }).getAbsoluteFSPath();
}

function page(level: Level): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchyard ${level} API</title>
<link rel="stylesheet" href="/api/docs-assets/swagger-ui.css"><link rel="icon" href="/api/docs-assets/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs-assets/swagger-ui-bundle.js"></script>
<script src="/api/${level}/docs/init.js"></script>
</body></html>`;
}

export function registerDocs(app: FastifyInstance, levels: readonly Level[]): void {
  const cache = new Map<string, Buffer>();
  app.get('/api/docs-assets/:file', async (req, reply) => {
    const file = (req.params as { file: string }).file;
    const type = ASSETS[file];
    if (!type) return reply.code(404).type('application/problem+json').send({ type: 'about:blank', title: 'Not found', status: 404, code: 'NOT_FOUND' });
    let body = cache.get(file);
    if (!body) {
      body = await readFile(join(distDir(), file));
      cache.set(file, body);
    }
    return reply.type(type).header('cache-control', 'public, max-age=3600').send(body);
  });
  for (const level of levels) {
    app.get(`/api/${level}/docs`, async (_req, reply) => reply.type('text/html; charset=utf-8').send(page(level)));
    app.get(`/api/${level}/docs/init.js`, async (_req, reply) =>
      reply.type('application/javascript; charset=utf-8').send(
        `window.ui = SwaggerUIBundle({ url: '/api/${level}/openapi.json', dom_id: '#swagger-ui', persistAuthorization: true });\n`,
      ),
    );
  }
}
