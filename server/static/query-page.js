// The query page (/query): YASGUI's editor (Yasqe) and result views (Yasr) when the page loaded
// them from node_modules, else a plain textarea that still runs queries. Either way: the query is
// kept in the address (?query=), the download links follow the editor's current text, result IRIs
// under the base open this server's own pages, and only http(s) IRIs become links.
(function () {
  "use strict";
  const form = document.getElementById("query-form");
  const textarea = document.getElementById("query");
  const results = document.getElementById("results");
  const status = document.getElementById("status");
  const truncated = document.getElementById("truncated");
  const endpoint = form.dataset.endpoint;
  const base = form.dataset.base;
  const root = form.dataset.root || "";
  const NUMERIC = /#(integer|decimal|double|float|long|int|short|byte|nonNegativeInteger|positiveInteger|nonPositiveInteger|negativeInteger|unsignedInt|unsignedLong|unsignedShort|unsignedByte)$/;

  // ---- links

  function isWebIri(iri) {
    return /^https?:\/\//i.test(iri);
  }

  // An IRI under the base opens this server's page for it, on this server's own origin.
  function localHref(iri) {
    if (!iri.startsWith(base)) return iri;
    const path = iri.slice(base.length).replace(/[^\x21-\x7e]/gu, encodeURIComponent);
    return root + "/" + path;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  let prefixTable = {};
  let labels = {};

  function shortName(iri) {
    let best = null;
    for (const [prefix, ns] of Object.entries(prefixTable)) {
      if (iri.startsWith(ns) && iri.length > ns.length && (!best || ns.length > best[1].length)) best = [prefix, ns];
    }
    return best ? best[0] + ":" + iri.slice(best[1].length) : null;
  }

  function iriText(iri) {
    return labels[iri] || shortName(iri) || (iri.startsWith(base) ? iri.slice(base.length) : iri);
  }
  window.sciplanLabel = iriText;  // the chart names its bars alike

  // ---- downloads: every format the endpoint speaks, of the text in the editor now

  function queryKind(query) {
    const body = query.replace(/#[^\n]*/g, " ").replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^>\s]*>/g, " ");
    const match = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(body);
    return match && /CONSTRUCT|DESCRIBE/i.test(match[1]) ? "graph" : "results";
  }

  function setDownloads(query, kind) {
    kind = kind || queryKind(query);
    for (const link of document.querySelectorAll("a.download")) {
      link.href = endpoint + "?" + new URLSearchParams({ query: query, format: link.dataset.format });
      link.hidden = link.dataset.kind !== kind;
    }
  }

  function keepInAddress(query) {
    const url = new URL(window.location.href);
    url.searchParams.set("query", query);
    url.searchParams.delete("run");
    history.replaceState({ query: query }, "", url);
  }

  // ---- the endpoint's error message: mark the position it names in the editor

  function errorPosition(text) {
    const match = /line (\d+),? column (\d+)/i.exec(text) || /at (\d+):(\d+)/.exec(text);
    return match ? { line: Number(match[1]) - 1, ch: Math.max(0, Number(match[2]) - 1) } : null;
  }

  // ---- labels of the IRIs of a result, asked of this server once per result

  function fetchLabels(bindings) {
    const iris = new Set();
    for (const row of bindings) {
      for (const term of Object.values(row)) {
        if (term.type === "uri" && !(term.value in labels)) iris.add(term.value);
        if (iris.size >= 2000) break;
      }
    }
    if (!iris.size) return Promise.resolve(false);
    return fetch(form.dataset.labels, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(Array.from(iris)),
    })
      .then((r) => (r.ok ? r.json() : {}))
      .then((found) => {
        Object.assign(labels, found);
        return Object.keys(found).length > 0;
      })
      .catch(() => false);
  }

  const completions = fetch(form.dataset.completions)
    .then((r) => (r.ok ? r.json() : { prefixes: {}, terms: [] }))
    .catch(() => ({ prefixes: {}, terms: [] }))
    .then((c) => {
      prefixTable = c.prefixes || {};
      return c;
    });

  if (window.Yasgui && window.Yasgui.Yasqe) editorPage(window.Yasgui.Yasqe, window.Yasgui.Yasr);
  else plainPage();

  // ---- YASGUI

  function editorPage(Yasqe, Yasr) {
    Yasqe.forkAutocompleter("prefixes", {
      name: "local-prefixes",
      persistenceId: null,
      get: () => completions.then((c) => Object.entries(c.prefixes).map(([p, ns]) => p + ": <" + ns + ">").sort()),
    }, false);
    for (const kind of ["property", "class"]) {
      Yasqe.forkAutocompleter(kind, {
        name: "local-" + kind,
        bulk: true,
        persistenceId: null,
        get: () => completions.then((c) => c.terms.filter((t) => t.kind === kind).map((t) => t.iri)),
      }, false);
    }

    Yasr.plugins.table.prototype.getUriLinkFromBinding = function (binding) {
      const text = escapeHtml(iriText(binding.value));
      const title = escapeHtml(binding.value);
      if (!isWebIri(binding.value)) return "<span class='iri' title='" + title + "'>" + text + "</span>";
      return "<a class='iri' title='" + title + "' href='" + escapeHtml(localHref(binding.value)) + "'>" + text + "</a>";
    };
    // Literals read as their value (language or datatype in the tooltip); numbers sort as numbers.
    Yasr.plugins.table.prototype.formatLiteral = function (binding) {
      const note = binding["xml:lang"] ? "@" + binding["xml:lang"] : binding.datatype ? "^^" + (shortName(binding.datatype) || binding.datatype) : "";
      return "<span class='literal' title='" + escapeHtml(note) + "'>" + escapeHtml(binding.value) + "</span>";
    };
    const columns = Yasr.plugins.table.prototype.getColumns;
    Yasr.plugins.table.prototype.getColumns = function () {
      return columns.call(this).map(function (column) {
        if (!column.name || typeof column.render !== "function") return column;
        const render = column.render;
        return Object.assign({}, column, {
          render: function (term, type, row, meta) {
            if ((type === "sort" || type === "type") && term && NUMERIC.test(term.datatype || "")) return Number(term.value);
            if (type === "type") return term ? term.value : "";
            return render(term, type, row, meta);
          },
        });
      });
    };
    Yasr.registerPlugin("chart", window.SciplanBarChart, true);

    const host = document.createElement("div");
    host.id = "editor";
    textarea.hidden = true;
    textarea.after(host);
    const yasqe = new Yasqe(host, {
      value: textarea.value,
      persistenceId: null,
      consumeShareLink: null,
      createShareableLink: null,
      prefixCcApi: null,
      autocompleters: ["local-prefixes", "variables", "local-property", "local-class"],
      editorHeight: "18em",
      requestConfig: {
        endpoint: endpoint,
        method: "POST",
        acceptHeaderSelect: "application/sparql-results+json",
        acceptHeaderGraph: "text/turtle",
      },
    });
    const yasr = new Yasr(results, {
      persistenceId: null,
      prefixes: () => prefixTable,
      pluginOrder: ["table", "chart", "response"],
      defaultPlugin: "table",
    });
    window.sciplanEditor = { yasqe: yasqe, yasr: yasr };

    let marker = null;
    function clearMarker() {
      if (marker) marker.clear();
      marker = null;
      for (const el of document.querySelectorAll(".endpoint-error-line")) el.classList.remove("endpoint-error-line");
    }

    function sync() {
      const query = yasqe.getValue();
      textarea.value = query;
      const type = yasqe.getQueryType ? String(yasqe.getQueryType() || "").toUpperCase() : "";
      setDownloads(query, type === "CONSTRUCT" || type === "DESCRIBE" ? "graph" : type ? "results" : null);
    }
    yasqe.on("change", function () {
      clearMarker();
      sync();
    });
    sync();

    yasqe.on("query", function () {
      clearMarker();
      status.textContent = "运行中 running…";
      truncated.hidden = true;
      keepInAddress(yasqe.getValue());
    });
    yasqe.on("queryResponse", function (_y, response, duration) {
      status.textContent = "";
      const headers = response && response.headers;
      truncated.hidden = !(headers && (headers["x-sparql-maxrows"] || (headers.get && headers.get("X-SPARQL-MaxRows"))));
      yasr.setResponse(response, duration);
      const error = yasr.results && yasr.results.getError && yasr.results.getError();
      if (error) {
        const position = errorPosition(String(error.text || error.statusText || ""));
        if (position) {
          const line = Math.min(position.line, yasqe.lineCount() - 1);
          const length = yasqe.getLine(line).length;
          const from = { line: line, ch: Math.min(position.ch, Math.max(0, length - 1)) };
          const to = { line: line, ch: Math.min(length, from.ch + 1) || from.ch + 1 };
          marker = yasqe.markText(from, to, { className: "endpoint-error", title: String(error.text || "") });
          yasqe.addLineClass(line, "background", "endpoint-error-line");
        }
        return;
      }
      const bindings = yasr.results && yasr.results.getBindings ? yasr.results.getBindings() : null;
      if (bindings && bindings.length) {
        fetchLabels(bindings).then((changed) => {
          if (changed) yasr.refresh();
        });
      }
    });

    document.getElementById("run").addEventListener("click", function (event) {
      event.preventDefault();
      yasqe.query().catch(() => {});
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      yasqe.query().catch(() => {});
    });
    completions.then(() => {
      if (textarea.value.trim() && form.dataset.run === "1") yasqe.query().catch(() => {});
    });
  }

  // ---- the plain page: a textarea, a table

  function plainPage() {
    function termNode(term) {
      if (!term) return document.createTextNode("");
      if (term.type === "uri") {
        const node = document.createElement(isWebIri(term.value) ? "a" : "span");
        if (isWebIri(term.value)) node.href = localHref(term.value);
        node.className = "iri";
        node.title = term.value;
        node.textContent = iriText(term.value);
        return node;
      }
      const span = document.createElement("span");
      span.textContent = term.type === "bnode" ? "_:" + term.value : term.value;
      if (term["xml:lang"]) span.title = "@" + term["xml:lang"];
      else if (term.datatype) span.title = term.datatype;
      return span;
    }

    function showTable(data, took) {
      const table = document.createElement("table");
      table.id = "result-table";
      const head = table.createTHead().insertRow();
      for (const name of data.head.vars) {
        const th = document.createElement("th");
        th.textContent = name;
        head.appendChild(th);
      }
      const body = table.createTBody();
      for (const binding of data.results.bindings) {
        const row = body.insertRow();
        for (const name of data.head.vars) row.insertCell().appendChild(termNode(binding[name]));
      }
      results.replaceChildren(table);
      status.textContent = data.results.bindings.length + " rows in " + (took / 1000).toFixed(2) + " s";
      fetchLabels(data.results.bindings).then((changed) => {
        if (!changed) return;
        for (const a of table.querySelectorAll(".iri")) a.textContent = iriText(a.title);
      });
    }

    function showText(text, className) {
      const pre = document.createElement("pre");
      pre.className = className;
      pre.textContent = text;
      results.replaceChildren(pre);
    }

    async function run(query) {
      setDownloads(query);
      status.textContent = "运行中 running…";
      truncated.hidden = true;
      const started = performance.now();
      let response;
      try {
        response = await fetch(endpoint, {
          method: "POST",
          headers: { Accept: "application/sparql-results+json, text/turtle;q=0.9" },
          body: new URLSearchParams({ query: query }),
        });
      } catch (err) {
        status.textContent = "";
        showText("The endpoint could not be reached: " + err, "error");
        return;
      }
      const type = response.headers.get("Content-Type") || "";
      truncated.hidden = !response.headers.get("X-SPARQL-MaxRows");
      if (!response.ok) {
        status.textContent = response.status + " " + response.statusText;
        showText(await response.text(), "error");
      } else if (type.startsWith("application/sparql-results+json")) {
        const data = await response.json();
        await completions;
        if ("boolean" in data) {
          status.textContent = "";
          showText(String(data.boolean), "boolean");
        } else {
          showTable(data, performance.now() - started);
        }
      } else {
        status.textContent = "";
        showText(await response.text(), "rdf");
      }
    }

    textarea.addEventListener("input", () => setDownloads(textarea.value));
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      keepInAddress(textarea.value);
      run(textarea.value);
    });
    setDownloads(textarea.value);
    if (textarea.value.trim() && form.dataset.run === "1") run(textarea.value);
  }
})();
