import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { addPasskey, addVirtualAuthenticator, signInToConsole, startConsoleSuite, unlockChanges, type ConsoleSuite } from '../support/console.ts';

describe.each(DIALECTS)('console sign-in and step-up (%s)', (dialect) => {
  let s: ConsoleSuite;
  beforeAll(async () => {
    s = await startConsoleSuite(dialect);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('signs in through the provider and unlocks changes with a passkey', async () => {
    const context = await s.newContext();
    const page = await context.newPage();
    await addVirtualAuthenticator(context, page);
    await signInToConsole(page);
    await s.screenshot(page, 'console-signed-in');
    await addPasskey(page);
    await unlockChanges(page);
    await s.screenshot(page, 'console-unlocked');
    expect(await page.getByText(/Changes unlocked/).textContent()).toMatch(/min/);
    await context.close();
  });
});
