// The query page: fills the editor from the library, posts to /sparql, shows the answer.
// Every value from the server goes into the page as text (textContent), never as HTML.
"use strict";

const state = { queries: [], prefixes: {} };

function compact(iri) {
  let best = null;
  for (const [prefix, ns] of Object.entries(state.prefixes)) {
    if (iri.startsWith(ns) && (!best || ns.length > best[1].length)) {
      const local = iri.slice(ns.length);
      if (/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(local)) best = [prefix, ns];
    }
  }
  return best ? best[0] + ":" + iri.slice(best[1].length) : "<" + iri + ">";
}

function cell(term) {
  const td = document.createElement("td");
  if (!term) return td;
  if (term.type === "uri") {
    td.className = "iri";
    td.title = term.value;
    td.textContent = compact(term.value);
  } else if (term.type === "bnode") {
    td.textContent = "_:" + term.value;
  } else {
    td.textContent = term.value;
    if (term["xml:lang"]) td.title = "@" + term["xml:lang"];
    else if (term.datatype) td.title = term.datatype;
  }
  return td;
}

function showTable(data) {
  const vars = data.head.vars || [];
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const v of vars) {
    const th = document.createElement("th");
    th.textContent = v;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const binding of data.results.bindings) {
    const row = body.insertRow();
    for (const v of vars) row.appendChild(cell(binding[v]));
  }
  return table;
}

function setStatus(text, isError) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

async function run() {
  const results = document.getElementById("results");
  const query = document.getElementById("editor").value;
  results.replaceChildren();
  setStatus("running…", false);
  const began = performance.now();
  let response;
  try {
    response = await fetch("/sparql", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/sparql-results+json, text/turtle;q=0.9",
      },
      body: new URLSearchParams({ query }),
    });
  } catch (error) {
    setStatus("the endpoint cannot be reached: " + error, true);
    return;
  }
  const ms = Math.round(performance.now() - began);
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try {
      const error = await response.json();
      message = error.message + (error.line ? " (line " + error.line + ", column " + error.column + ")" : "");
    } catch (ignored) { /* not JSON: keep the status line */ }
    setStatus(message, true);
    return;
  }
  if (type.startsWith("text/turtle")) {
    const pre = document.createElement("pre");
    pre.textContent = await response.text();
    results.appendChild(pre);
    setStatus("graph in " + ms + " ms", false);
    return;
  }
  const data = await response.json();
  if ("boolean" in data) {
    const p = document.createElement("p");
    p.textContent = String(data.boolean);
    results.appendChild(p);
    setStatus("answer in " + ms + " ms", false);
    return;
  }
  results.appendChild(showTable(data));
  setStatus(data.results.bindings.length + " row(s) in " + ms + " ms", false);
}

function choose(name) {
  const query = state.queries.find((q) => q.name === name);
  if (!query) return;
  document.getElementById("editor").value = query.sparql;
  document.getElementById("question").textContent = query.question;
}

async function init() {
  const select = document.getElementById("library");
  document.getElementById("run").addEventListener("click", run);
  document.getElementById("editor").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) run();
  });
  select.addEventListener("change", () => choose(select.value));
  const response = await fetch("/library.json");
  const data = await response.json();
  state.queries = data.queries;
  state.prefixes = data.prefixes;
  document.getElementById("network-link").hidden = !data.network;
  select.replaceChildren();
  for (const query of state.queries) {
    const option = document.createElement("option");
    option.value = query.name;
    option.textContent = query.name + (query.question ? " — " + query.question : "");
    select.appendChild(option);
  }
  if (state.queries.length) {
    choose(state.queries[0].name);
  } else {
    const option = document.createElement("option");
    option.textContent = "(no library queries)";
    select.appendChild(option);
    document.getElementById("editor").value = "SELECT * WHERE { ?s ?p ?o } LIMIT 20";
  }
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", init);
