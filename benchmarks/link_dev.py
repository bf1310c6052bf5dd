"""Cross-document linking on the seeds and on the independent d2l dev collection.

    .venv/bin/python benchmarks/link_dev.py [--scorer NAME] [--threshold T] [--calibrate]

Both collections run with the SAME threshold: the scorer's (``align.link.DEFAULT_THRESHOLD``
for the default lexical one) unless ``--threshold``. For each it prints:

- top-1 accuracy: gold links whose chosen span is right (``align.evaluate.matches_gold``:
  the gold ``zh`` or a ``zh_alt`` verbatim, or a span overlapping one of them with a
  Dice coefficient of at least 0.5), over all gold links (an abstention is wrong);
  also the same at threshold 0 (ranking alone);
- abstention precision: of the phrases the linker abstained on, the share that are
  gold "none";
- no-link errors: gold "none" phrases that got a link;
- the linked scores (min / quartiles / max) and the wall time of ``link_phrases``.

``--scale N`` links one collection of N documents instead: the seeds', dev and tuning
collections' documents (whose gold it scores, now with N - 13 other documents to choose
from) plus documents of the extraction corpus's tuning part (tests/dev/extract/tune),
cloned with distinct ids where N needs more; it prints the linking time.

``--json FILE`` also writes the tuning and test totals (``align/data/link_quality.json``
is what the card quotes). ``--calibrate`` prints how the threshold follows from the seed gold: the lowest score
of a right top-1 gold link, the highest best score of a phrase that must abstain
(gold none, or a gold link ranked wrong), and their midpoint.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from align.evaluate import matches_gold
from align.gold import gold_for, load_link_gold
from align.link import find_english_phrases, link_phrases, make_scorer
from align.link.rank import FINE_PASSAGES
from align.pipeline import load_folder

COLLECTIONS = {
    "seeds": (ROOT / "raw", ROOT / "tests" / "gold" / "links.jsonl"),
    "dev (d2l)": (ROOT / "tests" / "dev" / "links" / "raw", ROOT / "tests" / "dev" / "links" / "gold.jsonl"),
    # Labelled blind (nobody ran the linker on it first), after every change above.
    "dev2 (d2l AlexNet)": (ROOT / "tests" / "dev" / "links2" / "raw", ROOT / "tests" / "dev" / "links2" / "gold.jsonl"),
}
LINK_COLLECTIONS = ROOT / "tests" / "dev" / "link_collections"
EXTRACT_TUNE = ROOT / "tests" / "dev" / "extract" / "tune"


def collections(parts: list[str]) -> dict[str, tuple[Path, Path]]:
    """The collections of the parts asked for: ``seeds`` and ``dev`` (the three above),
    ``tune`` and ``test`` (tests/dev/link_collections/<part>/<name>)."""
    out = {}
    if "seeds" in parts:
        out["seeds"] = COLLECTIONS["seeds"]
    if "dev" in parts:
        out.update({k: v for k, v in COLLECTIONS.items() if k != "seeds"})
    for part in ("tune", "test"):
        if part in parts:
            for folder in sorted(p for p in (LINK_COLLECTIONS / part).glob("*") if (p / "gold.jsonl").is_file()):
                out[f"{part}/{folder.name}"] = (folder / "raw", folder / "gold.jsonl")
    return out


def load(folder: Path):
    docs, passages, pairs = load_folder(folder)
    phrases = [ph for d in sorted(docs) for ph in find_english_phrases(docs[d], passages[d], pairs)]
    return docs, passages, phrases


def evaluate(name: str, folder: Path, gold_path: Path, scorer, threshold: float, verbose: bool,
             fine_passages: int | None = FINE_PASSAGES) -> dict:
    t0 = time.perf_counter()
    docs, passages, phrases = load(folder)
    t_load = time.perf_counter() - t0
    gold = load_link_gold(gold_path)
    t0 = time.perf_counter()
    links = link_phrases(phrases, docs, passages, scorer=scorer, threshold=threshold, fine_passages=fine_passages)
    t_link = time.perf_counter() - t0
    ranked = {(lk.source_doc_id, lk.source_start): lk
              for lk in link_phrases(phrases, docs, passages, scorer=scorer, threshold=0.0,
                                     fine_passages=fine_passages)}
    linked = {(lk.source_doc_id, lk.source_start): lk for lk in links}

    n_link = right = right_ranked = abstained = abstained_none = none_linked = unlabelled = 0
    pos_scores, neg_scores, ranked_scores = [], [], []
    rows = []
    for ph in phrases:
        g = gold_for(ph, gold)
        if g is None:
            unlabelled += 1
            continue
        lk = linked.get((ph.doc_id, ph.start))
        best = ranked.get((ph.doc_id, ph.start))
        ok_ranked = best is not None and g.label == "link" and matches_gold(best, g, docs, passages)
        if g.label == "link":
            n_link += 1
            right_ranked += ok_ranked
            right += lk is not None and matches_gold(lk, g, docs, passages)
        if lk is None:
            abstained += 1
            abstained_none += g.label == "none"
        elif g.label == "none":
            none_linked += 1
        if best is not None:
            (pos_scores if ok_ranked else neg_scores).append(best.score)
            ranked_scores.append((best.score, ok_ranked))
        right_here = (lk is None) == (g.label == "none") and (lk is None or matches_gold(lk, g, docs, passages))
        verdict = ("abstain" if lk is None else "link") + (" ok" if right_here else " WRONG")
        rows.append((ph, g, best, lk, verdict))
    scores = sorted(lk.score for lk in links)
    print(f"== {name}: {len(docs)} documents, {len(phrases)} phrases ({unlabelled} without gold), "
          f"threshold {threshold:g}")
    print(f"   top-1 accuracy        {right}/{n_link} = {_ratio(right, n_link)}"
          f"   (ranking alone, threshold 0: {right_ranked}/{n_link} = {_ratio(right_ranked, n_link)})")
    n_none = sum(1 for ph in phrases if (g := gold_for(ph, gold)) is not None and g.label == "none")
    emitted_right = right
    print(f"   emitted precision     {emitted_right}/{len(links)} = {_ratio(emitted_right, len(links))}")
    print(f"   abstention precision  {abstained_none}/{abstained} = {_ratio(abstained_none, abstained)}")
    print(f"   no-link errors        {none_linked}/{n_none} = {_ratio(none_linked, n_none)} (gold none that got a link)")
    print(f"   linked scores         {_quartiles(scores)}")
    print(f"   time                  link_phrases {t_link:.2f} s (pipeline read..extract {t_load:.2f} s)")
    if verbose:
        for ph, g, best, lk, verdict in rows:
            shown = lk or best
            where = f"{shown.passage_id} {shown.zh[:40]}" if shown else "-"
            score = f"{shown.score:.3f} m{shown.margin:+.3f}" if shown else "-"
            print(f"   {verdict:13} {g.label:4} {ph.en[:34]:34} {score:16} {where}")
    return {"pos": pos_scores, "neg": neg_scores, "gold_links": n_link, "right": right, "ranked": right_ranked,
            "emitted": len(links), "none": n_none, "none_linked": none_linked, "ranked_scores": ranked_scores}


def clone_document(doc, passages, pairs, new_id: str):
    """One document's records under another id (its passages and pairs renamed with it)."""
    raw = replace(doc.raw, doc_id=new_id, path=new_id + ".txt")
    rename = lambda pid: f"{new_id}/{pid.rsplit('/', 1)[1]}"  # noqa: E731
    return (replace(doc, raw=raw), [replace(p, doc_id=new_id, passage_id=rename(p.passage_id)) for p in passages],
            [replace(pr, doc_id=new_id, passage_id=rename(pr.passage_id)) for pr in pairs])


def scale_collection(n: int, tuning: dict[str, tuple[Path, Path]], distractor_folders: list[Path]):
    """``(docs, passages, phrases, gold)`` of one collection of ``n`` documents: the tuning
    collections' documents (their gold merged; ids are distinct across them) and, to
    make up ``n``, documents of ``distractor_folders``, cloned as ``<id>~<k>`` once all
    are used. Deterministic."""
    from align.pipeline import load_folder

    docs, passages, pairs, gold = {}, {}, [], {}
    for folder, gold_path in tuning.values():
        d, p, pr = load_folder(folder)
        docs.update(d)
        passages.update(p)
        pairs += pr
        gold.update(load_link_gold(gold_path))
    pool = []
    for folder in distractor_folders:
        if len(docs) + len(pool) >= n:
            break
        d, p, pr = load_folder(folder)
        by_doc = {}
        for pair in pr:
            by_doc.setdefault(pair.doc_id, []).append(pair)
        pool += [(d[i], p[i], by_doc.get(i, [])) for i in sorted(d) if i not in docs]
    k = 0
    while pool and len(docs) < n:
        doc, ps, prs = pool[k % len(pool)]
        if k >= len(pool):
            doc, ps, prs = clone_document(doc, ps, prs, f"{doc.doc_id}~{k // len(pool)}")
        docs[doc.doc_id], passages[doc.doc_id] = doc, ps
        pairs += prs
        k += 1
    pairs_of: dict[str, list] = {}
    for pr in pairs:
        pairs_of.setdefault(pr.doc_id, []).append(pr)
    phrases = [ph for d in sorted(docs) for ph in find_english_phrases(docs[d], passages[d], pairs_of.get(d, []))]
    return docs, passages, phrases, gold


def run_scale(n: int, scorer, threshold: float, fine_passages: int | None = FINE_PASSAGES) -> None:
    t0 = time.perf_counter()
    tuning = collections(["seeds", "dev", "tune"])
    docs, passages, phrases, gold = scale_collection(n, tuning, sorted(p / "raw" for p in EXTRACT_TUNE.iterdir()
                                                                         if (p / "raw").is_dir()))
    t_load = time.perf_counter() - t0
    n_passages = sum(p.kind == "content" for ps in passages.values() for p in ps)
    print(f"== scale: {len(docs)} documents, {n_passages} content passages, {len(phrases)} phrases "
          f"(read..extract {t_load:.1f} s)")
    rss_before = _peak_rss_mb()
    t0, cpu0 = time.perf_counter(), time.process_time()
    links = link_phrases(phrases, docs, passages, scorer=scorer, threshold=threshold, fine_passages=fine_passages)
    t_link, cpu_link = time.perf_counter() - t0, time.process_time() - cpu0
    judged = [(ph, g) for ph in phrases if (g := gold_for(ph, gold)) is not None]
    linked = {(lk.source_doc_id, lk.source_start): lk for lk in links}
    n_link = sum(g.label == "link" for _, g in judged)
    right = sum(1 for ph, g in judged if g.label == "link" and (lk := linked.get((ph.doc_id, ph.start)))
                and matches_gold(lk, g, docs, passages))
    emitted = sum((ph.doc_id, ph.start) in linked for ph, _ in judged)
    none_linked = sum(1 for ph, g in judged if g.label == "none" and (ph.doc_id, ph.start) in linked)
    # CPU time beside the wall time: on a machine shared with other jobs the wall time
    # measures the load as much as the linker (the encoder runs on one thread).
    print(f"   link_phrases {t_link:.1f} s wall, {cpu_link:.1f} s CPU, {len(links)} links over all phrases; "
          f"peak RSS {rss_before:,.0f} MB before linking, {_peak_rss_mb():,.0f} MB after")
    print(f"   the tuning gold inside it: top-1 {right}/{n_link} = {_ratio(right, n_link)}, "
          f"emitted precision {right}/{emitted} = {_ratio(right, emitted)}, "
          f"gold none linked {none_linked}/{len(judged) - n_link}")


def _peak_rss_mb() -> float:
    """The process's peak resident set so far (Linux reports kilobytes)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "n/a"


def _quartiles(xs: list[float]) -> str:
    if not xs:
        return "none"
    if len(xs) == 1:
        return f"min=max={xs[0]:.3f}"
    q1, q2, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return f"min {xs[0]:.3f}  q1 {q1:.3f}  median {q2:.3f}  q3 {q3:.3f}  max {xs[-1]:.3f}  (n={len(xs)})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scorer", default="default")
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--choose-threshold", type=float, default=None, metavar="P",
                    help="print the lowest threshold at which the links of the parts run reach precision P "
                         "(run it on seeds,dev,tune only)")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per gold phrase")
    ap.add_argument("--json", type=Path, default=None, help="also write the tune/test totals as JSON (the card's table)")
    ap.add_argument("--parts", default="seeds,dev,tune",
                    help="comma-separated: seeds, dev, tune, test (the test collections only when asked)")
    ap.add_argument("--fine-passages", type=int, default=FINE_PASSAGES, metavar="K",
                    help=f"passages of each short list scored finely (0: all; default {FINE_PASSAGES})")
    ap.add_argument("--scale", type=int, default=None, metavar="N",
                    help="link one collection of N documents made of the tuning ones and the extraction "
                         "corpus's tuning part; print the time")
    args = ap.parse_args()
    scorer = make_scorer(args.scorer)
    threshold = scorer.threshold if args.threshold is None else args.threshold
    if args.scale is not None:
        run_scale(args.scale, scorer, threshold, args.fine_passages or None)
        return
    if hasattr(scorer, "signature"):
        print(f"scorer {scorer.name}: {scorer.signature()}")
    results = {}
    for name, (folder, gold) in collections(args.parts.split(",")).items():
        results[name] = evaluate(name, folder, gold, scorer, threshold, args.verbose, args.fine_passages or None)
    totals = {}
    for part in ("tune", "test"):
        rs = [r for n, r in results.items() if n.startswith(part + "/")]
        if rs:
            links, right, emitted = sum(r["gold_links"] for r in rs), sum(r["right"] for r in rs), sum(r["emitted"] for r in rs)
            none, none_linked = sum(r["none"] for r in rs), sum(r["none_linked"] for r in rs)
            ranked = sum(r["ranked"] for r in rs)
            print(f"== {part} collections together: top-1 {right}/{links} = {_ratio(right, links)} "
                  f"(ranking alone {_ratio(ranked, links)}), emitted precision {_ratio(right, emitted)}, "
                  f"no-counterpart linked {none_linked}/{none} = {_ratio(none_linked, none)}")
            totals[part] = {"collections": len(rs), "gold_links": links, "top1_right": right, "ranked_right": ranked,
                            "emitted": emitted, "none": none, "none_linked": none_linked}
    if args.json:
        args.json.write_text(json.dumps({"scorer": scorer.name, "threshold": threshold, "parts": totals},
                                        indent=1) + "\n", encoding="utf-8")
    if args.choose_threshold is not None:
        pooled = sorted((s, ok) for r in results.values() for s, ok in r["ranked_scores"])
        chosen = next((s for i, (s, _) in enumerate(pooled)
                       if sum(ok for _, ok in pooled[i:]) / len(pooled[i:]) >= args.choose_threshold), None)
        print(f"lowest threshold whose links reach precision {args.choose_threshold} over "
              f"{', '.join(results)}: {chosen}")
    if args.calibrate:
        seeds = results["seeds"]
        low, high = min(seeds["pos"], default=float("nan")), max(seeds["neg"], default=0.0)
        print(f"calibration on the seed gold: lowest right link {low:.3f}, highest must-abstain {high:.3f}, "
              f"midpoint {(low + high) / 2:.3f} (threshold of scorer {scorer.name}: {scorer.threshold})")


if __name__ == "__main__":
    main()
