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
inside a sentence (brackets and quotes never split). No signal decides alone:

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
- ``order``: a summary quotes in roughly the order of the full text. The phrases of
  one source document are placed in the target, in source order, where their total
  content score is highest (a weighted increasing subsequence); a candidate then
  scores by the share of the *other* phrases' places that lie on the same side of it
  as in the source.

``content = sqrt(chrf * dict)`` (the ``lexical`` scorer; without a gloss
``sqrt(NO_GLOSS_PRIOR) * dict``; the default ``use`` scorer averages it with the
encoder's cosine) and ``match = content * (1 - ORDER_WEIGHT + ORDER_WEIGHT * order)``.
The link's ``score`` is the decision (:func:`decision_score`): the match times its ratio
to the runner-up, the best match of any other passage (LASER's margin criterion), capped
at 3 and divided by 3. A link is made when it reaches the threshold; ``margin`` is the
match minus the runner-up, and both are in ``signals`` (``match``, ``runner_up``).

Scorers are pluggable (:data:`SCORERS`, :func:`make_scorer`), like sacrebleu's
``METRICS``; ``sentence-transformers:<model>`` adds a multilingual embedding signal
(LaBSE, e5) and needs the optional package ``sentence-transformers``.

One idea per module: :mod:`.phrases` (the English a document quotes), :mod:`.candidates`
(the spans it may link to), :mod:`.retrieve` (the passages worth scoring), :mod:`.scorers`
(how well a span renders a phrase),
:mod:`.rank` (one link per phrase, or none), :mod:`.collection` (the documents of a
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
