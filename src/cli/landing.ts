// The page served at `/` until the portal exists: links to the four API levels' docs and OpenAPI documents.
export const API_LEVELS = ['platform', 'brand', 'client', 'user'] as const;

export interface ApiUrls {
  level: (typeof API_LEVELS)[number];
  docs: string;
  openapi: string;
}

export function apiUrls(baseUrl: string): ApiUrls[] {
  const base = baseUrl.replace(/\/+$/, '');
  return API_LEVELS.map((level) => ({
    level,
    docs: `${base}/api/${level}/docs`,
    openapi: `${base}/api/${level}/openapi.json`,
  }));
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Relative links, so the page works behind whatever host name the browser used. */
export function landingPage(version: string): string {
  const rows = apiUrls('')
    .map(
      (u) =>
        `<tr><td>${esc(u.level)}</td><td><a href="${esc(u.docs)}">${esc(u.docs)}</a></td>` +
        `<td><a href="${esc(u.openapi)}">${esc(u.openapi)}</a></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Switchyard</title>
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse}td,th{padding:.3rem .8rem;text-align:left;border-bottom:1px solid #ddd}</style></head>
<body>
<h1>Switchyard ${esc(version)}</h1>
<p>The web portal is not built yet. The REST API has one level per role; each has browsable docs and an
OpenAPI 3.1 document. Log in with <code>POST /api/&lt;level&gt;/auth/login</code>.</p>
<table><thead><tr><th>level</th><th>docs</th><th>OpenAPI</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body>
</html>
`;
}
