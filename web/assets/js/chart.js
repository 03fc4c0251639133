// Time-series charts with uPlot (web/package.json pins it; served from node_modules by the
// daemon). Each chart has a text summary for screen readers and its numbers as a table under
// a disclosure, so nothing is only in the picture.
import { el, day, num } from './format.js';

// dates: ['2026-11-20', ...]; series: [{label, values, colour, dash}]
export function lineChart(container, { dates, series, height = 240, title, big = false }) {
  container.replaceChildren();
  const figure = el('figure', { class: 'chart' });
  const plot = el('div', { class: 'chart-plot', role: 'img', 'aria-label': summary(title, dates, series) });
  figure.append(plot);
  container.append(figure);
  if (typeof uPlot === 'undefined') {
    plot.append(el('p', { class: 'muted', text: 'The chart library did not load; the numbers are in the table below.' }));
  } else {
    const xs = dates.map((d) => Date.parse(d + 'T00:00:00Z') / 1000);
    const font = big ? '20px system-ui, sans-serif' : '12px system-ui, sans-serif';
    // The screen is dark: light axes there.
    const axis = big
      ? { stroke: '#f4f7fa', grid: { stroke: '#2c4256' }, ticks: { stroke: '#2c4256' }, font }
      : { stroke: '#2b3640', grid: { stroke: '#e3e7eb' }, ticks: { stroke: '#c9d0d6' }, font };
    const opts = {
      width: Math.max(280, container.clientWidth || 600),
      height,
      scales: { x: { time: true } },
      axes: [{ ...axis, size: big ? 80 : 50 }, { ...axis, size: big ? 70 : 50 }],
      legend: { show: !big },  // the screen's heading names its one series
      cursor: { drag: { x: false, y: false } },
      series: [{ value: (u, v) => (v == null ? '–' : day(new Date(v * 1000).toISOString())) }].concat(series.map((s) => ({
        label: s.label,
        stroke: s.colour,
        width: big ? 4 : 2,
        dash: s.dash,
        fill: s.fill,
        points: { show: dates.length < 40 },
        value: (u, v) => (v == null ? '–' : num(v)),
      }))),
    };
    // eslint-disable-next-line no-undef
    const u = new uPlot(opts, [xs, ...series.map((s) => s.values)], plot);
    if (typeof ResizeObserver !== 'undefined') {
      const ro = new ResizeObserver(() => {
        const w = container.clientWidth;
        if (w > 0 && Math.abs(w - u.width) > 4) u.setSize({ width: w, height });
      });
      ro.observe(container);
    }
  }
  if (!big) figure.append(dataTable(title, dates, series));
  return figure;
}

function summary(title, dates, series) {
  if (!dates.length) return `${title || 'Chart'}: no data yet`;
  const parts = series.map((s) => {
    const total = s.values.reduce((a, v) => a + (typeof v === 'number' ? v : 0), 0);
    return `${s.label} ${num(total)} in total`;
  });
  return `${title || 'Chart'} from ${day(dates[0])} to ${day(dates[dates.length - 1])}: ${parts.join(', ')}`;
}

function dataTable(title, dates, series) {
  const rows = dates.map((d, i) => el('tr', {}, el('th', { scope: 'row', text: day(d) }), series.map((s) => el('td', { class: 'n', text: num(s.values[i]) }))));
  return el('details', { class: 'chart-data' },
    el('summary', { text: 'Show the numbers' }),
    el('table', {},
      el('caption', { text: title || 'Chart data' }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Day' }), series.map((s) => el('th', { scope: 'col', text: s.label })))),
      el('tbody', {}, rows)));
}
