import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM } from '../support/browser.ts';
import { startOidcIdp, type OidcIdp } from '../support/oidc-idp.ts';
import { beginSignIn, connectTo, REDIRECT_URI } from '../support/sso-oidc.ts';
import { discoverOidcProvider } from '../../src/sso/oidc/discover-provider.ts';
import { completeOidcCallback } from '../../src/sso/oidc/complete-callback.ts';

describe('OIDC SSO in Chromium: the test IdP’s page signs a person in', () => {
  let idp: OidcIdp;
  let browser: Browser;
  beforeAll(async () => {
    idp = await startOidcIdp();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    await idp?.close();
  });

  it('shows "Continue as …", posts the form under its CSP, and comes back with a code Keyledger accepts', async () => {
    const config = connectTo(idp);
    const configuration = await discoverOidcProvider(config);
    idp.setNextAccount({ sub: 'b-1', email: 'grace@example.com', groups: ['eng'] });
    const s = beginSignIn(configuration, config);

    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    // The callback is Keyledger's; here the browser's request to it is only captured.
    let callbackUrl: URL | null = null;
    await page.route(`${REDIRECT_URI}**`, async (route) => {
      callbackUrl = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at Keyledger' });
    });
    await page.goto(s.url.href);
    await page.getByRole('button', { name: 'Continue as grace@example.com' }).click();
    await page.waitForURL(`${REDIRECT_URI}**`);
    await context.close();

    expect(errors).toEqual([]);
    const identity = await completeOidcCallback(configuration, config, { callbackUrl: callbackUrl!, expectedState: s.state, nonce: s.nonce, codeVerifier: s.codeVerifier });
    expect(identity).toMatchObject({ subject: 'b-1', email: 'grace@example.com', groups: ['eng'] });
  });
});
