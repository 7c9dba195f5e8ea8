import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { DIALECTS } from '../support/databases.ts';
import { signInToConsole, startConsoleSuite, type ConsoleSuite } from '../support/console.ts';
import { seedConsole, type SeededConsole } from '../support/console-seed.ts';
import { declaredConsoleRoutes, describeViolations, horizontalOverflow, seriousAxeViolations, settle } from '../support/console-a11y.ts';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** Every console route (as declared in console/src/pages/<area>/routes.tsx) and the URL visited for it, detail routes with seeded ids. */
const VISITS: Array<{ route: string; url: (d: SeededConsole) => string; mobileShot?: string }> = [
  { route: '/', url: () => '/', mobileShot: 'console-mobile-overview' },
  { route: '/organizations', url: () => '/organizations' },
  { route: '/organizations/:org', url: (d) => `/organizations/${d.org.id}` },
  { route: '/users', url: () => '/users', mobileShot: 'console-mobile-users' },
  { route: '/users/:id', url: (d) => `/users/${d.userId}` },
  { route: '/service-accounts', url: () => '/service-accounts' },
  { route: '/service-accounts/:id', url: (d) => `/service-accounts/${d.serviceAccountId}` },
  { route: '/roles', url: () => '/roles' },
  { route: '/roles/:role', url: (d) => `/roles/${d.roleKey}` },
  { route: '/access/inbox', url: () => '/access/inbox' },
  { route: '/access/my-requests', url: () => '/access/my-requests' },
  { route: '/access/elevation', url: () => '/access/elevation' },
  { route: '/access/my-reviews', url: () => '/access/my-reviews' },
  { route: '/access/requests', url: () => '/access/requests' },
  { route: '/access/requests/:org/:id', url: (d) => `/access/requests/${d.org.slug}/${d.requestId}` },
  { route: '/access/reviews', url: () => '/access/reviews' },
  { route: '/access/reviews/:id', url: (d) => `/access/reviews/${d.campaignId}` },
  { route: '/connections/sso', url: () => '/connections/sso' },
  { route: '/connections/sso/new', url: () => '/connections/sso/new' },
  { route: '/connections/sso/:id', url: (d) => `/connections/sso/${d.ssoConnectionId}` },
  { route: '/connections/scim', url: () => '/connections/scim' },
  { route: '/connections/scim/:id', url: (d) => `/connections/scim/${d.scimDirectoryId}` },
  { route: '/connections/hr', url: () => '/connections/hr' },
  { route: '/audit', url: () => '/audit', mobileShot: 'console-mobile-ledger' },
  { route: '/audit/events/:id', url: (d) => `/audit/events/${d.auditEventId}` },
  { route: '/monitoring/findings', url: () => '/monitoring/findings' },
  { route: '/monitoring/findings/:id', url: (d) => `/monitoring/findings/${d.findingId}` },
  { route: '/monitoring/alerts', url: () => '/monitoring/alerts' },
  { route: '/monitoring/alerts/:id', url: (d) => `/monitoring/alerts/${d.alertId}` },
  { route: '/monitoring/incidents', url: () => '/monitoring/incidents' },
  { route: '/monitoring/incidents/:id', url: (d) => `/monitoring/incidents/${d.incidentId}` },
  { route: '/monitoring/detection-rules', url: () => '/monitoring/detection-rules' },
  { route: '/monitoring/siem', url: () => '/monitoring/siem' },
  { route: '/monitoring/siem/new', url: () => '/monitoring/siem/new' },
  { route: '/monitoring/siem/:id', url: (d) => `/monitoring/siem/${d.siemDestinationId}` },
  { route: '/evidence', url: () => '/evidence' },
];

/**
 * Page health of the whole console on a small but real deployment: on every
 * route, no serious or critical axe-core violation (WCAG 2.0/2.1 A and AA,
 * colour contrast included), no JavaScript or console error (which includes
 * Content-Security-Policy refusals), a phone layout without horizontal
 * scrolling whose Menu opens the navigation, and a "Skip to content" link
 * that is the first Tab stop and moves focus to the main region.
 */
describe.each(DIALECTS)('console accessibility and page health (%s)', (dialect) => {
  let s: ConsoleSuite;
  let seeded: SeededConsole;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    s = await startConsoleSuite(dialect);
    seeded = await seedConsole(s);
    context = await s.newContext();
    page = await context.newPage();
    await page.setViewportSize(DESKTOP);
    await signInToConsole(page);
    await page.locator('.org-picker select').selectOption({ label: 'Acme Corp (acme)' });
    page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console error: ${msg.text()}${msg.location().url ? ` (${msg.location().url})` : ''}`);
    });
  }, 180_000);
  afterAll(async () => {
    await context?.close();
    await s?.close();
  });

  it('visits every declared console route', () => {
    expect(VISITS.map((v) => v.route).sort()).toEqual(declaredConsoleRoutes());
  });

  it('a script injected inline is refused by the console CSP and reported as a console error', async () => {
    errors.length = 0;
    await page.goto('/console/');
    await settle(page);
    await expect(page.addScriptTag({ content: 'window.__inlineRan = true;' })).rejects.toThrow();
    expect(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan)).toBeUndefined();
    expect(errors.join('\n')).toMatch(/Content Security Policy/);
    errors.length = 0;
  });

  it('the axe check finds what it should: an unlabelled field and low-contrast text fail it', async () => {
    await page.goto('/console/');
    await settle(page);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.evaluate(() => {
      const main = document.getElementById('main')!;
      main.appendChild(document.createElement('input')).id = 'unlabelled-probe';
      const faint = main.appendChild(document.createElement('p'));
      faint.textContent = 'Faint text nobody can read';
      faint.style.color = '#d0d0d0';
    });
    const found = await seriousAxeViolations(page);
    expect(found.map((v) => v.id).sort()).toEqual(['color-contrast', 'label']);
    expect(describeViolations('/', found)).toMatch(/\[serious\] color-contrast: Elements must meet minimum color contrast ratio thresholds/);
  });

  it.each(VISITS)('$route', async ({ route, url, mobileShot }) => {
    const problems: string[] = [];
    errors.length = 0;
    await page.setViewportSize(DESKTOP);
    await page.goto(`/console${url(seeded)}`);
    await settle(page);
    expect(await page.locator('main h1').first().textContent(), `${route} shows "Page not found"`).not.toBe('Page not found');

    // The page really shows its seeded data, not an API error.
    for (const note of await page.locator('.notice.error').allTextContents()) problems.push(`${route}: the page shows an error: ${note}`);

    // 1. axe-core: no serious or critical violation.
    const violations = await seriousAxeViolations(page);
    if (violations.length) problems.push(describeViolations(route, violations));

    // 3a. Desktop: the navigation is shown, the Menu button is not.
    const nav = page.getByRole('navigation', { name: 'Console' });
    if (!(await nav.isVisible())) problems.push(`${route}: the navigation is hidden at desktop width`);
    if (await page.getByRole('button', { name: 'Menu' }).isVisible()) problems.push(`${route}: the Menu button shows at desktop width`);

    // 4. Keyboard: the first Tab stop is "Skip to content", and it moves focus to main.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => ({ text: document.activeElement?.textContent?.trim(), left: document.activeElement?.getBoundingClientRect().left ?? -1 }));
    if (first.text !== 'Skip to content') problems.push(`${route}: the first Tab stop is "${first.text}", not "Skip to content"`);
    else if (first.left < 0) problems.push(`${route}: the focused skip link is off screen`);
    await page.keyboard.press('Enter');
    const focused = await page.evaluate(() => document.activeElement?.id);
    if (focused !== 'main') problems.push(`${route}: activating "Skip to content" focused #${focused}, not #main`);

    // 3b. Phone: no horizontal scrolling; Menu opens the navigation and its links are reachable.
    await page.setViewportSize(PHONE);
    await page.waitForFunction(() => window.innerWidth === 390);
    const { overflow, culprits } = await horizontalOverflow(page);
    if (overflow > 1) problems.push(`${route}: at 390 px the document scrolls sideways by ${overflow} px; wide: ${culprits.join(', ')}`);
    if (mobileShot) await s.screenshot(page, mobileShot);
    const menu = page.getByRole('button', { name: 'Menu' });
    if (!(await menu.isVisible())) problems.push(`${route}: no Menu button at phone width`);
    else {
      if (await nav.isVisible()) problems.push(`${route}: the navigation is open before Menu is pressed at phone width`);
      await menu.click();
      const link = nav.getByRole('link').first();
      await link.waitFor({ timeout: 2000 }).catch(() => undefined);
      if ((await menu.getAttribute('aria-expanded')) !== 'true') problems.push(`${route}: Menu does not say it is expanded`);
      if (!(await link.isVisible())) problems.push(`${route}: Menu does not show the navigation links`);
      else {
        await link.focus();
        if (!(await link.evaluate((a) => a === document.activeElement))) problems.push(`${route}: a navigation link cannot take focus`);
      }
      await menu.click();
    }
    await page.setViewportSize(DESKTOP);

    // 2. No JavaScript error, console error or CSP refusal on the way.
    problems.push(...errors.map((e) => `${route}: ${e}`));
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
