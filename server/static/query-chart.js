// A bar chart for Yasr (the query page's result views): the first column of labels against the
// first numeric column, drawn as SVG here (YASGUI's own chart plugin loads Google Charts, which an
// offline page cannot). Offered when a SELECT result has a numeric column, as aggregates do.
(function () {
  "use strict";
  const NUMERIC = /#(integer|decimal|double|float|long|int|short|byte|nonNegativeInteger|positiveInteger|nonPositiveInteger|negativeInteger|unsignedInt|unsignedLong|unsignedShort|unsignedByte)$/;
  const SVG = "http://www.w3.org/2000/svg";
  const MAX_BARS = 200;

  function isNumber(term) {
    return term && term.type !== "uri" && term.type !== "bnode" && NUMERIC.test(term.datatype || "");
  }

  function svg(name, attrs, text) {
    const el = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    return el;
  }

  class BarChart {
    constructor(yasr) {
      this.yasr = yasr;
      this.priority = 5;
      this.label = "图表 Chart";
      this.helpReference = undefined;
    }

    columns() {
      const results = this.yasr.results;
      if (!results || !results.getBindings || !results.getVariables) return null;
      const rows = results.getBindings() || [];
      const vars = results.getVariables() || [];
      if (!rows.length) return null;
      const value = vars.find((v) => rows.every((r) => !r[v] || isNumber(r[v])) && rows.some((r) => isNumber(r[v])));
      if (!value) return null;
      const label = vars.find((v) => v !== value && rows.some((r) => r[v] && !isNumber(r[v])));
      return { rows: rows, value: value, label: label };
    }

    canHandleResults() {
      return this.columns() !== null;
    }

    getIcon() {
      const icon = document.createElement("div");
      icon.className = "chart-icon";
      icon.textContent = "▇";
      return icon;
    }

    draw() {
      const found = this.columns();
      const box = document.createElement("div");
      box.className = "bar-chart";
      if (!found) {
        box.textContent = "No numeric column to chart.";
        this.yasr.resultsEl.appendChild(box);
        return;
      }
      const prefixes = (typeof this.yasr.getPrefixes === "function" && this.yasr.getPrefixes()) || {};
      const name = (term) => {
        if (!term) return "";
        if (term.type !== "uri") return term.value;
        if (window.sciplanLabel) return window.sciplanLabel(term.value);
        for (const [p, ns] of Object.entries(prefixes)) if (term.value.startsWith(ns)) return p + ":" + term.value.slice(ns.length);
        return term.value;
      };
      const rows = found.rows.slice(0, MAX_BARS);
      const values = rows.map((r) => (r[found.value] ? Number(r[found.value].value) : 0));
      const max = Math.max(0, ...values);
      const min = Math.min(0, ...values);
      const span = max - min || 1;
      const barHeight = 22, gap = 6, labelWidth = 240, width = 720, top = 24;
      const height = top + rows.length * (barHeight + gap);
      const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": found.value + " by " + (found.label || "row"), class: "bar-chart-svg" });
      chart.appendChild(svg("text", { x: labelWidth, y: 16, class: "axis" }, found.value + (rows.length < found.rows.length ? ` (first ${MAX_BARS} rows)` : "")));
      const plot = width - labelWidth - 60;
      const zero = labelWidth + ((0 - min) / span) * plot;
      rows.forEach((row, i) => {
        const y = top + i * (barHeight + gap);
        const v = values[i];
        const x0 = labelWidth + ((Math.min(v, 0) - min) / span) * plot;
        const w = Math.max(1, (Math.abs(v) / span) * plot);
        const text = found.label ? name(row[found.label]) : String(i + 1);
        const g = svg("g", { class: "bar" });
        g.appendChild(svg("title", {}, text + ": " + v));
        g.appendChild(svg("text", { x: labelWidth - 8, y: y + barHeight * 0.72, "text-anchor": "end", class: "bar-label" },
          text.length > 22 ? text.slice(0, 21) + "…" : text));
        g.appendChild(svg("rect", { x: x0, y: y, width: w, height: barHeight, class: "bar-rect" }));
        g.appendChild(svg("text", { x: x0 + w + 4, y: y + barHeight * 0.72, class: "bar-value" }, String(v)));
        chart.appendChild(g);
      });
      chart.appendChild(svg("line", { x1: zero, x2: zero, y1: top - 4, y2: height, class: "axis-line" }));
      box.appendChild(chart);
      this.yasr.resultsEl.appendChild(box);
    }

    download() {
      const el = this.yasr.resultsEl.querySelector("svg.bar-chart-svg");
      if (!el) return undefined;
      return { contentType: "image/svg+xml", getData: () => new XMLSerializer().serializeToString(el), filename: "chart.svg", title: "Download the chart (SVG)" };
    }
  }

  window.SciplanBarChart = BarChart;
})();
