import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Runtime } from '../runtime.ts';
import { requestContext } from './auth-guard.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { createFirstAdministrator } from '../console/operator-setup.ts';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Keyledger</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}code,input{font-size:1rem}label{display:block;margin:1rem 0 .25rem}input{padding:.4rem;width:100%;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem}.key{background:#f3f3f3;padding:.75rem;word-break:break-all;font-family:monospace}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

const TokenQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });
const CompleteBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    // The first console administrator: all three, or none (an API key only).
    adminEmail: Type.Optional(Type.String({ maxLength: 254 })),
    adminName: Type.Optional(Type.String({ maxLength: 200 })),
    adminPassword: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

const EMAIL_RE = /^[^\s@"<>]+@[^\s@"<>]+\.[^\s@"<>]+$/;

type CompleteInput = { token: string; name: string; adminEmail?: string; adminName?: string; adminPassword?: string };

function form(token: string, values: { adminEmail?: string; adminName?: string } = {}, error: string | null = null): string {
  return `<p>This one-time link creates the first administrator: an account for the console (at <code>/console</code>) and an API key with every admin scope, shown once.</p>
${error ? `<p role="alert" style="color:#a40e26"><strong>${escapeHtml(error)}</strong></p>` : ''}
<form method="post" action="/bootstrap"><input type="hidden" name="token" value="${escapeHtml(token)}">
<fieldset><legend>Console administrator</legend>
<label for="adminEmail">Email address</label><input id="adminEmail" name="adminEmail" type="email" autocomplete="username" maxlength="254" value="${escapeHtml(values.adminEmail ?? '')}">
<label for="adminName">Name</label><input id="adminName" name="adminName" autocomplete="name" maxlength="200" value="${escapeHtml(values.adminName ?? '')}">
<label for="adminPassword">Password</label><input id="adminPassword" name="adminPassword" type="password" autocomplete="new-password" maxlength="1024">
<p>Leave these empty to create only the API key. Changes in the console need a passkey: add one when the console asks.</p></fieldset>
<label for="name">API key name</label><input id="name" name="name" required maxlength="100" value="first administrator">
<button type="submit">Create the first administrator</button></form>`;
}

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
      return reply.send(page('Create the first administrator', form(token)));
    });

    app.post('/bootstrap', { schema: { hide: true, body: CompleteBody } }, async (request, reply) => {
      const input = request.body as CompleteInput;
      const { token, name } = input;
      reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store').type('text/html; charset=utf-8');
      const ctx = { actor: { type: 'system' as const, id: 'bootstrap', display: 'bootstrap link' }, request: requestContext(request) };
      const admin = adminOf(input);
      try {
        if (admin === 'partial') return reply.status(400).send(page('Create the first administrator', form(token, input, 'Give the administrator’s email address, name and password, or leave all three empty.')));
        if (admin) {
          // Refused before the link is spent: a weak password or a bad address leaves the link usable.
          if (!(await rt.bootstrap.isUsable(token))) throw new KeyledgerError('bootstrap.invalid_token', 'this bootstrap link is unknown, expired or already used');
          if (!EMAIL_RE.test(admin.email)) return reply.status(400).send(page('Create the first administrator', form(token, input, 'That is not an email address.')));
          await rt.authn.preparePasswordForNewUser({ email: admin.email, name: admin.name }, null, admin.password);
        }
        const { key, apiKey } = await rt.bootstrap.complete(ctx, token, name);
        const created = admin ? await createFirstAdministrator(rt, ctx, admin) : null;
        return reply.send(
          page(
            'First administrator created',
            `${created ? `<p><strong>${escapeHtml(admin ? admin.email : '')}</strong> administers Keyledger: <a href="/console/">open the console</a> and sign in. Changes need a passkey; the console asks for one.</p>` : ''}
<h2>API key</h2><p>Copy this key now; Keyledger keeps only its hash and cannot show it again.</p><p class="key" id="api-key">${escapeHtml(key)}</p>
<p>Key id <code>${escapeHtml(apiKey.id)}</code>, scopes: ${apiKey.scopes.map(escapeHtml).join(', ')}.</p>
<p>Try it: <code>curl -H "Authorization: Bearer $KEY" ${escapeHtml(rt.config.publicUrl)}/api/v1/organizations</code></p>`,
          ),
        );
      } catch (err) {
        if (err instanceof KeyledgerError && err.code === 'bootstrap.invalid_token') {
          return reply.status(403).send(page('Link no longer valid', '<p>This bootstrap link is unknown, expired or already used.</p>'));
        }
        if (err instanceof KeyledgerError && err.status === 422 && admin && admin !== 'partial') {
          return reply.status(422).send(page('Create the first administrator', form(token, input, `${err.message} (${err.code})`)));
        }
        throw err;
      }
    });
  };
}

/** The administrator asked for: all three fields, none (null), or some ('partial', refused). */
function adminOf(input: CompleteInput): { email: string; name: string; password: string } | null | 'partial' {
  const email = input.adminEmail?.trim() ?? '';
  const name = input.adminName?.trim() ?? '';
  const password = input.adminPassword ?? '';
  if (!email && !name && !password) return null;
  if (!email || !name || !password) return 'partial';
  return { email, name, password };
}
