// The report's only script: a detail panel for the marked pairs, and a sortable,
// filterable pairs table. The page is readable without it. Article text reaches the
// DOM only through textContent, never as markup.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("data").textContent);
  const pairs = data.pairs;

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function pairIndex(node) {
    const n = Number(node.getAttribute("data-pair"));
    return Number.isInteger(n) && n >= 0 && n < pairs.length ? n : -1;
  }

  function formatConfidence(c) {
    return typeof c === "number" ? c.toFixed(3) : "\u2014";
  }

  // ---- detail panel -------------------------------------------------------------
  const panel = document.getElementById("detail");
  const panelBody = document.getElementById("detail-body");
  let current = [];

  function showPairs(ids) {
    current.forEach((m) => m.classList.remove("current"));
    current = [];
    panelBody.textContent = "";
    ids.forEach((i) => {
      const p = pairs[i];
      const box = make("div", "detail-pair");
      const en = make("p", "detail-en", p.en);
      en.lang = "en";
      box.appendChild(en);
      const dl = make("dl");
      [
        ["Chinese", p.zh],
        ["original", p.zh_original],
        ["kind", p.kind],
        ["shape", p.shape],
        ["confidence", formatConfidence(p.confidence)],
        ["flags", p.flags.length ? p.flags.join(", ") : "none"],
        ["document", p.doc],
        ["passage", p.passage_id],
      ].forEach(([label, value]) => {
        dl.appendChild(make("dt", null, label));
        dl.appendChild(make("dd", null, value));
      });
      box.appendChild(dl);
      const toRow = make("a", null, "row " + i + " in the pairs table");
      toRow.href = "#row-" + i;
      box.appendChild(toRow);
      panelBody.appendChild(box);
      const mark = document.getElementById("pair-" + i);
      if (mark) {
        mark.classList.add("current");
        current.push(mark);
      }
    });
    panel.hidden = false;
  }

  // The pairs under a clicked point: nested marks (an acronym and its expansion share
  // a span) from the innermost out, or those an echo in the normalized text stands for.
  function pairsAt(target) {
    const ids = [];
    const echo = target.closest("mark.echo");
    if (echo) {
      echo.getAttribute("data-pairs").split(" ").forEach((s) => {
        const n = Number(s);
        if (Number.isInteger(n) && n >= 0 && n < pairs.length) ids.push(n);
      });
    }
    for (let m = target.closest("mark.pair"); m; m = m.parentElement && m.parentElement.closest("mark.pair")) {
      const i = pairIndex(m);
      if (i >= 0) ids.push(i);
    }
    return ids;
  }

  document.addEventListener("click", (ev) => {
    if (!(ev.target instanceof Element)) return;
    const ids = pairsAt(ev.target);
    if (ids.length) showPairs(ids);
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter" || !(ev.target instanceof Element)) return;
    const ids = pairsAt(ev.target);
    if (ids.length) showPairs(ids);
  });
  function closePanel() {
    panel.hidden = true;
    current.forEach((m) => m.classList.remove("current"));
    current = [];
  }
  document.getElementById("detail-close").addEventListener("click", closePanel);
  // The panel describes marks on screen: once the page scrolls them out of view, it goes.
  window.addEventListener("scroll", () => {
    if (panel.hidden || !current.length) return;
    const visible = current.some((m) => {
      const r = m.getBoundingClientRect();
      return r.bottom > 0 && r.top < window.innerHeight;
    });
    if (!visible) closePanel();
  }, { passive: true });

  // ---- pairs table --------------------------------------------------------------
  const table = document.getElementById("pairs-table");
  if (!table) return;
  const tbody = table.tBodies[0];
  const rows = Array.from(tbody.rows);
  const rowPairs = rows.map((r) => pairs[pairIndex(r)]);
  // What the text filter matches, as the page says: English, Chinese, original, document, kind, flags.
  const haystacks = rowPairs.map((p) =>
    [p.en, p.zh, p.zh_original, p.doc, p.kind, p.flags.join(" ")].join("\n").toLowerCase()
  );
  const query = document.getElementById("pair-filter");
  const kindSelect = document.getElementById("filter-kind");
  const docSelect = document.getElementById("filter-doc");
  const flagSelect = document.getElementById("filter-flag");
  const count = document.getElementById("pair-count");

  function flagMatches(p, value) {
    if (!value) return true;
    if (value === "none") return p.flags.length === 0;
    return p.flags.includes(value.slice(2)); // "f:<flag>"
  }

  function applyFilter() {
    const needle = query.value.trim().toLowerCase();
    let shown = 0;
    rows.forEach((row, k) => {
      const p = rowPairs[k];
      const ok =
        (!needle || haystacks[k].includes(needle)) &&
        (!kindSelect.value || p.kind === kindSelect.value.slice(2)) &&
        (!docSelect.value || p.doc === docSelect.value.slice(2)) &&
        flagMatches(p, flagSelect.value);
      row.hidden = !ok;
      if (ok) shown += 1;
    });
    count.textContent = shown + " of " + rows.length + " pairs shown";
  }
  query.addEventListener("input", applyFilter);
  [kindSelect, docSelect, flagSelect].forEach((s) => s.addEventListener("change", applyFilter));

  const sortKeys = {
    index: (p) => p.i,
    en: (p) => p.en.toLowerCase(),
    zh: (p) => p.zh,
    zh_original: (p) => p.zh_original,
    kind: (p) => p.kind,
    doc: (p) => p.doc,
    confidence: (p) => (typeof p.confidence === "number" ? p.confidence : -1),
    flags: (p) => p.flags.join(" "),
  };
  let sortKey = "index";
  let sortDir = 1;
  const headers = Array.from(table.tHead.querySelectorAll("th"));
  table.tHead.querySelectorAll("button[data-sort]").forEach((button) => {
    button.addEventListener("click", () => {
      const key = button.getAttribute("data-sort");
      const keyOf = sortKeys[key];
      if (!keyOf) return;
      sortDir = key === sortKey ? -sortDir : 1;
      sortKey = key;
      const order = rows.map((_, k) => k);
      order.sort((a, b) => {
        const x = keyOf(rowPairs[a]);
        const y = keyOf(rowPairs[b]);
        if (x < y) return -sortDir;
        if (x > y) return sortDir;
        return rowPairs[a].i - rowPairs[b].i;
      });
      order.forEach((k) => tbody.appendChild(rows[k]));
      headers.forEach((th) => th.removeAttribute("aria-sort"));
      button.parentElement.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
    });
  });
  applyFilter();
})();
