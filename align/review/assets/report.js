// The report's only script: a detail panel for the marked pairs, a sortable, filterable
// pairs table, and the review loop (verdicts on pairs, kept in this browser, downloaded as
// corrections.jsonl for `align build --corrections`). The page is readable without it.
// Article text reaches the DOM only through textContent, never as markup.
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
    panelGroups.length = 0;
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
        ["reviewed", p.reviewed || "no"],
      ].forEach(([label, value]) => {
        dl.appendChild(make("dt", null, label));
        dl.appendChild(make("dd", null, value));
      });
      box.appendChild(dl);
      if (p.kind !== "linked") box.appendChild(reviewControls(pairItem(i), i, true, panelGroups));
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
    // A drag that selected text (a span to fix a pair with) is not a click on a pair.
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed) return;
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

  // ---- review: verdicts per (document, English, Chinese) -------------------------
  // Kept in localStorage under this build's key (another build starts with none), written
  // out by a Blob download: nothing leaves the browser otherwise.
  const VERDICTS = ["right", "wrong", "fix"];
  const dropped = data.dropped || [];
  const storageKey = "align-corrections:" + data.build;
  const verdicts = new Map();
  const rowGroups = [];
  const panelGroups = [];
  const counter = document.getElementById("verdict-count");
  const downloadButton = document.getElementById("download-corrections");

  function pairItem(i) {
    return { doc: pairs[i].doc, en: pairs[i].en, zh: pairs[i].zh };
  }

  function keyOf(item) {
    return JSON.stringify([item.doc, item.en, item.zh]);
  }

  function isVerdict(v) {
    return v && typeof v.doc_id === "string" && typeof v.en === "string" && typeof v.zh === "string" &&
      VERDICTS.includes(v.verdict) && (v.verdict === "fix" ? typeof v.zh_fixed === "string" : v.zh_fixed === null);
  }

  function loadVerdicts() {
    try {
      const saved = JSON.parse(window.localStorage.getItem(storageKey) || "[]");
      if (Array.isArray(saved)) {
        saved.filter(isVerdict).forEach((v) => verdicts.set(keyOf({ doc: v.doc_id, en: v.en, zh: v.zh }), v));
      }
    } catch (e) {
      // No storage (or a damaged entry): the verdicts live as long as the page.
    }
  }

  function saveVerdicts() {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(Array.from(verdicts.values())));
    } catch (e) {
      // Storage full or refused: the download still holds every verdict.
    }
  }

  // A pressed button pressed again takes its verdict back; fix with a new span replaces it.
  function setVerdict(item, verdict, zhFixed) {
    const key = keyOf(item);
    const old = verdicts.get(key);
    if (old && old.verdict === verdict && (verdict !== "fix" || zhFixed === null || zhFixed === old.zh_fixed)) {
      verdicts.delete(key);
    } else {
      verdicts.set(key, { doc_id: item.doc, en: item.en, zh: item.zh, verdict, zh_fixed: zhFixed });
    }
    saveVerdicts();
    refreshReview();
  }

  // right / wrong (and fix, in the popup) for a pair, or for a refused reading (pairIdx null).
  function reviewControls(item, pairIdx, withFix, groups) {
    const box = make("span", "verdicts");
    const group = { item, pairIdx, buttons: {}, status: make("span", "verdict-status") };
    group.status.setAttribute("aria-live", "polite");
    VERDICTS.forEach((name) => {
      if (name === "fix" && !withFix) return;
      const button = make("button", "verdict-" + name, name);
      button.type = "button";
      button.setAttribute("data-verdict", name);
      button.setAttribute("aria-label", name + ": " + item.en + " \u2192 " + item.zh);
      button.addEventListener("click", () => {
        if (name === "fix") fixFromSelection(group);
        else setVerdict(item, name, null);
      });
      group.buttons[name] = button;
      box.appendChild(button);
    });
    box.appendChild(group.status);
    groups.push(group);
    refreshGroup(group);
    return box;
  }

  function refreshGroup(group) {
    const v = verdicts.get(keyOf(group.item));
    Object.entries(group.buttons).forEach(([name, button]) => {
      button.setAttribute("aria-pressed", v && v.verdict === name ? "true" : "false");
    });
    const reviewed = group.pairIdx !== null ? pairs[group.pairIdx].reviewed : null;
    if (v && v.verdict === "fix") group.status.textContent = "\u2192 " + v.zh_fixed;
    else if (reviewed) group.status.textContent = "reviewed in this build: " + reviewed;
    else group.status.textContent = "";
  }

  function refreshReview() {
    rowGroups.concat(panelGroups).forEach(refreshGroup);
    const n = verdicts.size;
    counter.textContent = n + (n === 1 ? " verdict" : " verdicts") + " pending";
    downloadButton.disabled = n === 0;
  }

  // The latest selection inside a passage's text, kept past the mousedown on a fix button
  // (which may clear the live one); any other mousedown forgets it.
  let lastSelection = null;
  document.addEventListener("selectionchange", () => {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return;
    const node = selection.getRangeAt(0).commonAncestorContainer;
    const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    const box = element && element.closest(".passage .text");
    lastSelection = box ? { text: selection.toString(), box } : null;
  });
  document.addEventListener("mousedown", (ev) => {
    if (!(ev.target instanceof Element && ev.target.closest("button[data-verdict=fix]"))) lastSelection = null;
  }, true);

  function fixFromSelection(group) {
    const i = group.pairIdx;
    const mark = document.getElementById("pair-" + i);
    const passage = mark && mark.closest(".passage");
    const chosen = lastSelection;
    const text = chosen ? chosen.text.trim() : "";
    const old = verdicts.get(keyOf(group.item));
    let problem = null;
    if (!passage) problem = "This pair is in no passage shown here.";
    else if (!text && old && old.verdict === "fix") return setVerdict(group.item, "fix", null);
    else if (!text) problem = "First select the right Chinese in the normalized text of this pair's passage.";
    else if (chosen.box.closest(".passage") !== passage) problem = "The selection is not in this pair's passage.";
    else if (!chosen.box.classList.contains("normalized") && !passage.querySelector(".text.normalized.same")) {
      problem = "Select in the normalized (Simplified) text: the fixed span is written as it is there.";
    } else if (text === pairs[i].zh) problem = "That is the pair's Chinese already: mark it right instead.";
    if (problem) {
      group.status.textContent = problem;
      return;
    }
    lastSelection = null;
    setVerdict(group.item, "fix", text);
  }

  function download() {
    const lines = Array.from(verdicts.values(), (v) =>
      JSON.stringify({ doc_id: v.doc_id, en: v.en, zh: v.zh, verdict: v.verdict, zh_fixed: v.zh_fixed }) + "\n");
    const url = URL.createObjectURL(new Blob(lines, { type: "application/x-ndjson" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "corrections.jsonl";
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  loadVerdicts();
  document.querySelectorAll("#pairs-table tbody tr").forEach((row) => {
    const i = pairIndex(row);
    const cell = row.querySelector("td.verdict");
    if (i < 0 || !cell) return;
    if (pairs[i].kind === "linked") {
      cell.appendChild(make("span", "muted", "\u2014")).title = "links are judged against the links gold";
    } else {
      cell.appendChild(reviewControls(pairItem(i), i, false, rowGroups));
    }
  });
  document.querySelectorAll("#dropped-table tbody tr").forEach((row) => {
    const k = Number(row.getAttribute("data-dropped"));
    const cell = row.querySelector("td.verdict");
    if (cell && Number.isInteger(k) && k >= 0 && k < dropped.length) {
      cell.appendChild(reviewControls(dropped[k], null, false, rowGroups));
    }
  });
  downloadButton.addEventListener("click", download);
  document.getElementById("review-bar").hidden = false;
  refreshReview();

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
