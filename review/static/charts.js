/* The index's metric charts: each static SVG (templates/_metric_chart.html) becomes a uPlot chart.
 * uPlot draws the axes, the lines and a legend that shows every source's values at the year under
 * the cursor (a click on a source hides or shows it); the SVG's own points, links to their mentions,
 * are kept on top and follow the chart's scales. Without this script the static SVG stays. */
/* global uPlot */
'use strict';
(function () {
  function enhance(fig) {
    const svg = fig.querySelector('svg.static');
    const d = fig.dataset;
    const unit = d.unit;
    const series = [...fig.querySelectorAll('.series .chip')].map((chip) => ({
      name: chip.textContent,
      colour: chip.dataset.colour,
      line: chip.dataset.line === '1',
    }));
    // each source's points are a group (its colour) of links, each with its year and value
    const points = [...svg.querySelectorAll('g.pts')].flatMap((g) =>
      [...g.querySelectorAll('a.pt')].map((a) => ({
        a,
        s: Number(g.dataset.s),
        fill: g.getAttribute('fill'),
        year: Number(a.dataset.x),
        value: Number(a.dataset.v),
      })),
    );
    const years = [...new Set(points.map((p) => p.year))].sort((x, y) => x - y);
    // every value of a source in a year (for the legend); a line's value only where the source has one figure a year
    const at = series.map(() => new Map());
    points.forEach((p) => {
      const m = at[p.s];
      if (!m.has(p.year)) m.set(p.year, []);
      m.get(p.year).push(p.value);
    });
    const data = [
      years,
      ...series.map((s, i) =>
        years.map((y) => {
          const vs = at[i].get(y);
          return s.line && vs && vs.length === 1 ? vs[0] : null;
        }),
      ),
    ];
    const shown = (i) => (u, v, si, idx) => {
      const vs = idx == null ? null : at[i].get(years[idx]);
      return vs ? vs.join(', ') + (unit ? ' ' + unit : '') : '\u2013';
    };
    const opts = {
      width: Number(d.width),
      height: Number(d.height),
      scales: { x: { time: false, range: [Number(d.x0), Number(d.x1)] }, y: { range: [Number(d.v0), Number(d.v1)] } },
      axes: [
        {
          label: 'year the figure describes',
          incrs: [1, 2, 5, 10, 25, 50, 100],
          values: (u, ticks) => ticks.map(String),
        },
        { label: unit || 'value' },
      ],
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      legend: { live: true, markers: { fill: (u, si) => (si > 0 ? series[si - 1].colour : null) } },
      series: [
        { label: 'year', value: (u, v) => (v == null ? '' : String(v)) },
        ...series.map((s, i) => ({
          label: s.name,
          stroke: s.colour,
          width: 1.5,
          points: { show: false },
          value: shown(i),
          paths: s.line ? undefined : () => null, // several figures in one year are separate findings: no line
        })),
      ],
    };
    // the points: the static SVG's links, moved onto the plotting area and placed at each draw
    const over = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    over.setAttribute('class', 'pts');
    points.forEach((p) => over.appendChild(p.a));
    const place = (u) => {
      over.setAttribute('width', u.over.clientWidth);
      over.setAttribute('height', u.over.clientHeight);
      points.forEach((p) => {
        const c = p.a.querySelector('circle');
        c.setAttribute('cx', u.valToPos(p.year, 'x').toFixed(1));
        c.setAttribute('cy', u.valToPos(p.value, 'y').toFixed(1));
        c.setAttribute('r', '4');
        c.setAttribute('fill', p.fill);
        p.a.style.display = u.series[p.s + 1].show ? '' : 'none';
      });
    };
    opts.hooks = { draw: [place], setSeries: [place] };
    const u = new uPlot(opts, data, fig);
    u.root.setAttribute('role', 'img');
    u.root.setAttribute('aria-label', d.label);
    u.over.appendChild(over);
    svg.remove();
    fig.querySelector('.series').remove();
  }

  document.querySelectorAll('figure.cx-chart').forEach((fig) => {
    try {
      enhance(fig);
    } catch (err) {
      fig.dataset.error = String(err); // the static SVG stays
      throw err;
    }
  });
})();
