import { describe, expect, it } from 'vitest';
import { chartSvg } from './chart-svg.ts';
import type { Chart } from '../model.ts';

const chart: Chart = {
  name: 'alert-response-time',
  title: 'Time to first response',
  xLabel: 'Time to acknowledge',
  yLabel: 'Alerts',
  buckets: [
    { label: '< 1 h', count: 8 },
    { label: '1–4 h', count: 4 },
    { label: '4–24 h', count: 0 },
    { label: '> 24 h', count: 2, attention: true },
  ],
};

/** The bars: count, height, class and fill, in order. */
function bars(svg: string) {
  return [...svg.matchAll(/<rect class="([^"]+)" data-count="(\d+)"[^>]* height="([\d.]+)" fill="([^"]+)"/g)].map((m) => ({ cls: m[1], count: Number(m[2]), height: Number(m[3]), fill: m[4] }));
}

describe('chartSvg', () => {
  it('draws bars whose heights are proportional to their counts, with the count on each bar', () => {
    const svg = chartSvg(chart);
    const b = bars(svg);
    expect(b.map((x) => x.count)).toEqual([8, 4, 0, 2]);
    expect(b[0].height).toBeGreaterThan(0);
    expect(b[1].height).toBeCloseTo(b[0].height / 2, 1);
    expect(b[3].height).toBeCloseTo(b[0].height / 4, 1);
    expect(b[2].height).toBe(0);
    const counts = [...svg.matchAll(/<text class="bar-count"[^>]*>(\d+)<\/text>/g)].map((m) => Number(m[1]));
    expect(counts).toEqual([8, 4, 0, 2]);
  });

  it('is an accessible image with a title and axis labels', () => {
    const svg = chartSvg(chart);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" role="img" aria-labelledby="chart-alert-response-time-title chart-alert-response-time-desc"/);
    expect(svg).toContain('<title id="chart-alert-response-time-title">Time to first response</title>');
    expect(svg).toContain('>Time to acknowledge</text>');
    expect(svg).toContain('>Alerts</text>');
    expect(svg).toContain('&gt; 24 h: 2 (needs attention)');
    expect(svg).not.toMatch(/<script|href="http|<image/i);
  });

  it('marks attention bars with a hatch pattern in the warning colour, and only those', () => {
    const svg = chartSvg(chart);
    const b = bars(svg);
    expect(b.filter((x) => x.cls.includes('bar-attention')).map((x) => x.count)).toEqual([2]);
    expect(b[3].fill).toBe('url(#chart-alert-response-time-hatch)');
    expect(b.slice(0, 3).every((x) => x.fill === '#2f5d8a')).toBe(true);
    expect(svg).toMatch(/<pattern id="chart-alert-response-time-hatch"[^>]*><rect width="8" height="8" fill="#b3261e"\/>/);
    expect(svg).toContain('hatched red: needs attention');
    expect(chartSvg({ ...chart, buckets: chart.buckets.map((x) => ({ label: x.label, count: x.count })) })).not.toContain('needs attention');
  });

  it('escapes labels and titles, and keeps ids unique per prefix', () => {
    const svg = chartSvg({ ...chart, title: '<script>alert(1)</script>', buckets: [{ label: '"><img src=x>', count: 1 }] }, '3-x');
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<img');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(svg).toContain('id="chart-3-x-title"');
  });

  it('draws an empty chart without dividing by zero', () => {
    const svg = chartSvg({ ...chart, buckets: [{ label: 'none', count: 0 }] });
    expect(bars(svg)).toEqual([{ cls: 'bar', count: 0, height: 0, fill: '#2f5d8a' }]);
    expect(svg).not.toContain('NaN');
  });
});
