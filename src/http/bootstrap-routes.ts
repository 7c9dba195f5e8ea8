import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { requestContext } from './auth-guard.ts';
import { KeyledgerError } from '../platform/errors.ts';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Keyledger</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}code,input{font-size:1rem}label{display:block;margin:1rem 0 .25rem}input{padding:.4rem;width:100%;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem}.key{background:#f3f3f3;padding:.75rem;word-break:break-all;font-family:monospace}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

const TokenQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });
const CompleteBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

/**
 * The one-time bootstrap link printed at first start. GET shows a form (opening
 * the link spends nothing, so link previews are harmless); POST spends the link
 * and shows the administrator API key once.
 */
export function bootstrapRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    app.get('/bootstrap', { schema: { hide: true, querystring: TokenQuery } }, async (request, reply) => {
      const { token } = request.query as { token: string };
      reply.header('referrer-policy', 'no-referrer').type('text/html; charset=utf-8');
      if (!(await rt.bootstrap.isUsable(token))) {
        return reply.status(403).send(page('Link no longer valid', '<p>This bootstrap link is unknown, expired or already used. Restart Keyledger while no administrator key exists to get a new one, or run <code>npx keyledger api-key create --name admin --scopes all</code> on the server.</p>'));
      }
      return reply.send(
        page(
          'Create the first administrator key',
          `<p>This one-time link creates an API key with every admin scope. The key is shown once.</p>
<form method="post" action="/bootstrap"><input type="hidden" name="token" value="${escapeHtml(token)}">
<label for="name">Key name</label><input id="name" name="name" required maxlength="100" value="first administrator">
<button type="submit">Create administrator key</button></form>`,
        ),
      );
    });

    app.post('/bootstrap', { schema: { hide: true, body: CompleteBody } }, async (request, reply) => {
      const { token, name } = request.body as { token: string; name: string };
      reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store').type('text/html; charset=utf-8');
      try {
        const { key, apiKey } = await rt.bootstrap.complete({ actor: { type: 'system', id: 'bootstrap', display: 'bootstrap link' }, request: requestContext(request) }, token, name);
        return reply.send(
          page(
            'Administrator key created',
            `<p>Copy this key now; Keyledger keeps only its hash and cannot show it again.</p><p class="key" id="api-key">${escapeHtml(key)}</p>
<p>Key id <code>${escapeHtml(apiKey.id)}</code>, scopes: ${apiKey.scopes.map(escapeHtml).join(', ')}.</p>
<p>Try it: <code>curl -H "Authorization: Bearer $KEY" ${escapeHtml(rt.config.publicUrl)}/api/v1/organizations</code></p>`,
          ),
        );
      } catch (err) {
        if (err instanceof KeyledgerError && err.code === 'bootstrap.invalid_token') {
          return reply.status(403).send(page('Link no longer valid', '<p>This bootstrap link is unknown, expired or already used.</p>'));
        }
        throw err;
      }
    });
  };
}
