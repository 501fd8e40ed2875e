// The query page: run the textarea's query against the endpoint and show a table.
// The query is kept in the address (?query=) so a page can be shared.
(function () {
  "use strict";
  const form = document.getElementById("query-form");
  const textarea = document.getElementById("query");
  const results = document.getElementById("results");
  const status = document.getElementById("status");
  const truncated = document.getElementById("truncated");
  const endpoint = form.dataset.endpoint;
  const base = form.dataset.base;

  function localHref(iri) {
    if (!iri.startsWith(base)) return iri;
    // IRI to URI: escape non-ASCII only; escapes already in the IRI stay as they are
    const path = iri.slice(base.length).replace(/[^\x21-\x7e]/gu, encodeURIComponent);
    return new URL(form.action).pathname.replace(/\/$/, "") + "/" + path;
  }

  function setDownloads(query) {
    for (const fmt of ["csv", "json"]) {
      const link = document.getElementById("download-" + fmt);
      link.href = endpoint + "?" + new URLSearchParams({ query: query, format: fmt });
    }
  }

  function termNode(term) {
    if (!term) return document.createTextNode("");
    if (term.type === "uri" && /^https?:\/\//i.test(term.value)) {  // other schemes (javascript:, data:) stay text
      const a = document.createElement("a");
      a.href = localHref(term.value);
      a.textContent = term.value;
      return a;
    }
    const span = document.createElement("span");
    span.textContent = term.type === "bnode" ? "_:" + term.value : term.value;
    if (term.type === "uri") span.className = "iri";
    if (term["xml:lang"]) span.title = "@" + term["xml:lang"];
    else if (term.datatype) span.title = term.datatype;
    return span;
  }

  function showTable(data) {
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
    status.textContent = data.results.bindings.length + " rows";
  }

  function showText(text, className) {
    const pre = document.createElement("pre");
    pre.className = className;
    pre.textContent = text;
    results.replaceChildren(pre);
  }

  async function run(query) {
    setDownloads(query);
    status.textContent = "running…";
    truncated.hidden = true;
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
      if ("boolean" in data) {
        status.textContent = "";
        showText(String(data.boolean), "boolean");
      } else {
        showTable(data);
      }
    } else {
      status.textContent = "";
      showText(await response.text(), "rdf");
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const query = textarea.value;
    const url = new URL(window.location.href);
    url.searchParams.set("query", query);
    history.pushState({ query: query }, "", url);
    run(query);
  });

  window.addEventListener("popstate", function () {
    const query = new URL(window.location.href).searchParams.get("query") || "";
    textarea.value = query;
    if (query) run(query);
  });

  if (textarea.value.trim()) run(textarea.value);
})();
