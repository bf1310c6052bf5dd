"""Stage 5 (package): link the English a document quotes to the span of another document that renders it.

A summary quotes the interview in English, sometimes with its own short gloss
(``“painful to be rational(理性其实是痛苦的)”``), sometimes bare (``“people around
you”``); the full translation renders the same words in Chinese only. For every such
:class:`~align.records.EnglishPhrase`, :func:`link_phrases` retrieves a short list of
passages of the *other* documents of the collection (:mod:`.retrieve`: the nearest by
sentence embedding and by BM25 over dictionary glosses, 24 each), ranks the 12 of them
with the highest cheap bound finely and picks the sentence or clause inside the best
one, or abstains. A collection of any size
is linked; the work grows with its text, not with phrases × candidates.

Candidates are the sentences of content passages and every run of one or two clauses
inside a sentence (brackets and quotes never split, nor the enumeration comma 、). No
signal decides alone:

- ``chrf``: sacrebleu chrF (Popović, W15-3049) of the candidate's Chinese characters
  against the gloss (English or digits in the candidate are nothing a Chinese gloss
  could share), with character bigrams (``char_order=2``: one Chinese character is already a
  morpheme, and paraphrases rarely share runs longer than a word) and ``beta=1``
  (a clause holding the rendering plus unrelated words must lose to the clause that
  is just the rendering);
- ``dict``: how much of the English the candidate renders, through CC-CEDICT
  (:func:`align.lexicon.gloss_words`, :func:`~align.lexicon.english_words`,
  :func:`~align.lexicon.words_match`), each English word weighed by how rare a
  rendering of it is among the target document's candidates;
- ``order``: a summary quotes in roughly the order of the full text. All the phrases of
  one source document are aligned with each target at once (:mod:`.path`: a monotone
  path over phrases × candidate places, Bertalign-style dynamic programming, that may
  leave a phrase out or take it out of order at a cost); a candidate scores by what it
  costs that alignment (1: it fits the other phrases' places, 0: the phrase must be
  taken out of order there), weighed against a neutral 0.5 by how many other phrases
  the alignment places in that target. The passages between a phrase's neighbours on
  the alignment are scored for it too (Bertalign's second step).

``content = sqrt(chrf * dict)`` (the ``lexical`` scorer; without a gloss
``sqrt(NO_GLOSS_PRIOR) * dict``; the default ``use`` scorer averages it with the
encoder's cosine); ``match = content * length * (1 - ORDER_WEIGHT * (1 - order))``, where
``length`` weighs down a span much shorter than the English. The link's ``score`` is
the decision (:func:`decision_score`): the match times its ratio to the runner-up, the
best match of any other passage (LASER's margin criterion), capped at 3 and divided by
3, times 0.7 for each piece of evidence that would not put the chosen passage first (the
encoder's cosine alone, the lexical evidence alone, the alignment). A link is made when
it reaches the threshold; ``margin`` is the match minus the runner-up, and ``signals``
hold ``match``, ``runner_up``, ``agree`` (the share of that evidence that agrees) and
``length``.

Scorers are pluggable (:data:`SCORERS`, :func:`make_scorer`), like sacrebleu's
``METRICS``; ``sentence-transformers:<model>`` adds a multilingual embedding signal
(LaBSE, e5) and needs the optional package ``sentence-transformers``.

One idea per module: :mod:`.phrases` (the English a document quotes), :mod:`.candidates`
(the spans it may link to), :mod:`.retrieve` (the passages worth scoring), :mod:`.scorers`
(how well a span renders a phrase), :mod:`.path` (the alignment of a source's phrases
with a target), :mod:`.rank` (one link per phrase, or none), :mod:`.collection` (the documents of a
build, linked collection by collection). Variant clusters live in :mod:`align.variants`,
gold links in :mod:`align.gold`, their evaluation in :mod:`align.evaluate`."""

from .candidates import CandidateSpan, candidate_spans
from .collection import CollectionLinker
from .phrases import english_content_words, find_english_phrases
from .rank import decision_score, link_phrases
from .scorers import (
    DEFAULT_THRESHOLD,
    SCORERS,
    EmbeddingScorer,
    LexicalScorer,
    PhraseScorer,
    SentenceTransformerScorer,
    UniversalSentenceEncoderScorer,
    chrf_upper_bound,
    make_scorer,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "SCORERS",
    "CandidateSpan",
    "CollectionLinker",
    "EmbeddingScorer",
    "LexicalScorer",
    "PhraseScorer",
    "SentenceTransformerScorer",
    "UniversalSentenceEncoderScorer",
    "candidate_spans",
    "chrf_upper_bound",
    "decision_score",
    "english_content_words",
    "find_english_phrases",
    "link_phrases",
    "make_scorer",
]
