import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/** axe-core, loaded into the page by evaluation (a <script> tag would be refused by the console's CSP, script-src 'self'). */
const AXE_SOURCE = readFileSync(join(process.cwd(), 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
/** WCAG 2.0 and 2.1, levels A and AA; color-contrast is part of wcag2aa and is never disabled here. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/** Every route path declared in console/src/pages/<area>/routes.tsx, as written there (`/users/:id`). */
export function declaredConsoleRoutes(): string[] {
  const pages = join(process.cwd(), 'console', 'src', 'pages');
  const paths: string[] = [];
  for (const area of readdirSync(pages, { withFileTypes: true })) {
    if (!area.isDirectory()) continue;
    let text: string;
    try {
      text = readFileSync(join(pages, area.name, 'routes.tsx'), 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/\bpath:\s*'([^']+)'/g)) paths.push(m[1]);
  }
  return paths.sort();
}

/** Runs axe on the whole document; the violations of impact serious or critical. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  }, AXE_TAGS);
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Violations as a reader wants them in a failure message: rule, impact, help, and each offending element. */
export function describeViolations(where: string, violations: AxeViolation[]): string {
  return violations
    .map((v) => `${where}: [${v.impact}] ${v.id}: ${v.help}\n${v.nodes.map((n) => `    at ${n.target.join(' ')}${n.failureSummary ? `\n      ${n.failureSummary.replace(/\n/g, '\n      ')}` : ''}`).join('\n')}`)
    .join('\n');
}

/** Waits until the page's heading is shown and no "Loading…" status or request is pending. */
export async function settle(page: Page): Promise<void> {
  await page.locator('main h1').first().waitFor();
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => !Array.from(document.querySelectorAll('[role=status]')).some((e) => /…\s*$/.test(e.textContent ?? '')));
}

/** The document's horizontal overflow in CSS pixels (0 when it fits the viewport), and the widest offending elements. */
export async function horizontalOverflow(page: Page): Promise<{ overflow: number; culprits: string[] }> {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const overflow = Math.max(0, document.documentElement.scrollWidth - width);
    const culprits: string[] = [];
    if (overflow > 1) {
      for (const el of Array.from(document.querySelectorAll('body *'))) {
        const r = el.getBoundingClientRect();
        if (r.right > width + 1 && !el.closest('.table-wrap') && getComputedStyle(el).position !== 'absolute') {
          const cls = typeof el.className === 'string' && el.className ? `.${el.className.split(/\s+/).join('.')}` : '';
          culprits.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${cls} (right ${Math.round(r.right)})`);
          if (culprits.length >= 8) break;
        }
      }
    }
    return { overflow, culprits };
  });
}
