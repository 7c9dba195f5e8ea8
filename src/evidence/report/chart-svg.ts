import type { Chart } from '../model.ts';

/**
 * Draws a criterion's bar chart as a standalone SVG: axes with labels, the
 * count on every bar, and buckets that need attention drawn in a warning
 * colour AND a hatch pattern (and named in the legend), so they stand out in
 * greyscale print and to readers who do not see colour. Pure; no fonts,
 * images or scripts.
 */

const WIDTH = 640;
const HEIGHT = 320;
const MARGIN = { top: 40, right: 16, bottom: 64, left: 56 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
const NORMAL = '#2f5d8a';
const ATTENTION = '#b3261e';

/** Escapes text for XML/HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const round = (n: number) => Math.round(n * 10) / 10;

/** A y-axis scale whose top is a round number at or above `max` (at least 1). */
function axisTop(max: number): number {
  if (max <= 5) return Math.max(1, max);
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

/**
 * The chart as SVG markup. `idPrefix` keeps element ids unique when several
 * charts share one HTML page (default: the chart's name). Bar heights are
 * proportional to counts against the axis top; each bar carries `data-count`.
 */
export function chartSvg(chart: Chart, idPrefix: string = chart.name): string {
  const id = `chart-${idPrefix.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const buckets = chart.buckets;
  const top = axisTop(Math.max(0, ...buckets.map((b) => b.count)));
  const slot = PLOT_W / Math.max(1, buckets.length);
  const barW = Math.min(72, slot * 0.7);
  const baseY = MARGIN.top + PLOT_H;
  const anyAttention = buckets.some((b) => b.attention);
  const parts: string[] = [];

  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" class="chart" font-family="Helvetica, Arial, sans-serif">`);
  parts.push(`<title id="${id}-title">${escapeXml(chart.title)}</title>`);
  const desc = buckets.map((b) => `${b.label}: ${b.count}${b.attention ? ' (needs attention)' : ''}`).join('; ');
  parts.push(`<desc id="${id}-desc">${escapeXml(`${chart.yLabel} by ${chart.xLabel}. ${desc}`)}</desc>`);
  parts.push(`<defs><pattern id="${id}-hatch" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)"><rect width="8" height="8" fill="${ATTENTION}"/><line x1="0" y1="0" x2="0" y2="8" stroke="#ffffff" stroke-width="3"/></pattern></defs>`);
  parts.push(`<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold" fill="#111">${escapeXml(chart.title)}</text>`);

  // Grid and y ticks: 0, half, top.
  for (const v of [0, top / 2, top]) {
    const y = round(baseY - (v / top) * PLOT_H);
    parts.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + PLOT_W}" y2="${y}" stroke="#d0d0d0" stroke-width="1"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end" font-size="11" fill="#333">${round(v)}</text>`);
  }
  parts.push(`<line class="axis" x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${baseY}" stroke="#333" stroke-width="1"/>`);
  parts.push(`<line class="axis" x1="${MARGIN.left}" y1="${baseY}" x2="${MARGIN.left + PLOT_W}" y2="${baseY}" stroke="#333" stroke-width="1"/>`);

  buckets.forEach((b, i) => {
    const h = round((b.count / top) * PLOT_H);
    const x = round(MARGIN.left + slot * i + (slot - barW) / 2);
    const cx = round(MARGIN.left + slot * i + slot / 2);
    const fill = b.attention ? `url(#${id}-hatch)` : NORMAL;
    const cls = b.attention ? 'bar bar-attention' : 'bar';
    parts.push(`<rect class="${cls}" data-count="${b.count}" data-label="${escapeXml(b.label)}" x="${x}" y="${round(baseY - h)}" width="${round(barW)}" height="${h}" fill="${fill}" stroke="${b.attention ? ATTENTION : NORMAL}" stroke-width="1"/>`);
    parts.push(`<text class="bar-count" x="${cx}" y="${round(baseY - h - 4)}" text-anchor="middle" font-size="12" fill="#111">${b.count}</text>`);
    parts.push(`<text x="${cx}" y="${baseY + 16}" text-anchor="middle" font-size="11" fill="#333">${escapeXml(b.label)}${b.attention ? ' ⚠' : ''}</text>`);
  });

  parts.push(`<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 26}" text-anchor="middle" font-size="12" fill="#111">${escapeXml(chart.xLabel)}</text>`);
  parts.push(`<text x="16" y="${MARGIN.top + PLOT_H / 2}" text-anchor="middle" font-size="12" fill="#111" transform="rotate(-90 16 ${MARGIN.top + PLOT_H / 2})">${escapeXml(chart.yLabel)}</text>`);
  if (anyAttention) {
    parts.push(`<rect x="${MARGIN.left}" y="${HEIGHT - 14}" width="12" height="10" fill="url(#${id}-hatch)" stroke="${ATTENTION}"/>`);
    parts.push(`<text x="${MARGIN.left + 18}" y="${HEIGHT - 5}" font-size="11" fill="#111">⚠ hatched red: needs attention</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
