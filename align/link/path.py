"""One alignment of all the quotes of a source document against one target document:
a monotone path that tolerates a few crossings, and what it costs each option to be on it.

A summary quotes in roughly the order of the full text, so the quotes are aligned
together, as Bertalign (Liu & Zhu 2022, ``corelib.py``) and Vecalign (Thompson & Koehn
2019) align sentences by dynamic programming over a score matrix: here quotes × their
candidate places in the target. Each quote, in source order, either

- takes an option *in order*: at or after the place of the previous in-order quote,
  earning the option's gain;
- takes an option *out of order* (a quote the writer moved), earning its gain less
  ``crossing``;
- or is skipped (a quote with no counterpart), earning nothing.

:func:`order_costs` runs the path forwards and backwards (max-marginals, as in
forward-backward with max for sum) and returns, per option, how much the best whole
alignment loses when that quote is forced to take it rather than be skipped, against
what it would gain alone: ``0`` for an option that fits the best arrangement of the other
quotes, up to ``crossing`` for one against it. Linear in quotes × places.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import accumulate

_NEG = float("-inf")


class QuotePath:
    """The alignment of one source document's quotes (in source order) against one target.

    ``options[q]`` holds the places and gains ``(place, gain)`` quote ``q`` may take;
    :meth:`cost` then prices any place for it.
    """

    def __init__(self, options: Sequence[Sequence[tuple[int, float]]], crossing: float) -> None:
        self.crossing = crossing
        self.places = sorted({p for opts in options for p, _ in opts})
        # State 0: no quote in order yet; state k: the last in-order quote at places[k - 1];
        # the last state: past every place (what a place beyond them leaves to the rest).
        n, m = len(options), len(self.places) + 2
        index = [[bisect_left(self.places, p) + 1 for p, _ in opts] for opts in options]
        free = [max([g - crossing for _, g in opts] + [0.0]) for opts in options]
        # forward[q][s]: best total of the quotes before q, the last in-order one at state s.
        forward = [[_NEG] * m for _ in range(n + 1)]
        forward[0][0] = 0.0
        for q, opts in enumerate(options):
            prev, row = forward[q], forward[q + 1]
            best_before = list(accumulate(prev, max))
            for s in range(m):
                row[s] = prev[s] + free[q]
            for (_, g), s in zip(opts, index[q], strict=True):
                row[s] = max(row[s], best_before[s] + g)
        # backward[q][s]: best total of the quotes from q on, the last in-order place
        # before them at state s.
        backward = [[0.0] * m for _ in range(n + 1)]
        for q in range(n - 1, -1, -1):
            nxt, row = backward[q + 1], backward[q]
            best_at = [_NEG] * m
            for (_, g), s in zip(options[q], index[q], strict=True):
                best_at[s] = max(best_at[s], g + nxt[s])
            best_from = list(accumulate(reversed(best_at), max))[::-1]
            for s in range(m):
                row[s] = max(nxt[s] + free[q], best_from[s])
        self._before = [list(accumulate(row, max)) for row in forward[:n]]
        self._after = backward[1:]
        self._without = [max(b + a for b, a in zip(forward[q], backward[q + 1], strict=True))
                         for q in range(n)]
        # The place each quote takes in order on the best alignment (None: skipped or
        # out of order there).
        total = max(forward[n])
        self.anchors: list[int | None] = []
        gains = []
        for q, opts in enumerate(options):
            best = max(((self._before[q][s] + g + self._after[q][s], -p, g)
                        for (p, g), s in zip(opts, index[q], strict=True)), default=(_NEG, 0, 0.0))
            on_path = best[0] >= total - 1e-9
            self.anchors.append(-best[1] if on_path else None)
            gains.append(max(0.0, best[2]) if on_path else 0.0)
        self._gains = gains
        self._total_gain = sum(gains)

    def support(self, q: int) -> float:
        """The total gain of the other quotes the best alignment takes in order: how much
        order evidence there is for quote ``q`` (none in a target only it is placed in)."""
        return self._total_gain - self._gains[q]

    def gap(self, q: int) -> tuple[int | None, int | None]:
        """The places of the nearest quotes before and after ``q`` that the best
        alignment takes in order (None: none on that side)."""
        before = next((p for p in reversed(self.anchors[:q]) if p is not None), None)
        after = next((p for p in self.anchors[q + 1:] if p is not None), None)
        return before, after

    def cost(self, q: int, place: int) -> float:
        """What quote ``q`` at ``place`` costs the best alignment of the others, in
        ``[0, crossing]``: 0 when the place fits it, ``crossing`` when the quote must be
        taken out of order there."""
        before = self._before[q][bisect_right(self.places, place)]
        after = self._after[q][bisect_left(self.places, place) + 1]
        return min(self.crossing, max(0.0, self._without[q] - before - after))
