"""Property tests (Hypothesis): normalization, offsets, extraction, decoding."""

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from align.extract import extract_pairs
from align.normalize import normalize_chars, normalize_document, normalize_text
from align.read import decode_bytes
from align.records import RawDocument
from align.segment import segment_document

from .conftest import SEED_FORTUNE, SEED_HK, seed_text

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Arbitrary Unicode, weighted towards what articles contain and what breaks parsers.
tricky = st.sampled_from(list("()()「」『』“”‘’《》·—,。:!?\r\n\t\x00\u200b\u00a0\u3000\ufeffＡｚ０") + ["\r\n"])
chinese = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
latin = st.sampled_from(list("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ-'’&."))
text = st.lists(st.one_of(st.characters(), tricky, chinese, latin), max_size=200).map("".join)


@SETTINGS
@given(text)
@example("一\ud800")  # a lone surrogate (found by Hypothesis): OpenCC cannot encode it
def test_normalization_is_idempotent(raw):
    once, variant, _, _ = normalize_text(raw)
    assert normalize_chars(once)[0] == once
    assert normalize_text(once, "s")[0] == once


@SETTINGS
@given(text)
def test_offset_map_is_exact_on_arbitrary_text(raw):
    chars, starts, ends = normalize_chars(raw)
    assert len(chars) == len(starts) == len(ends)
    prev_end = 0
    for k, ch in enumerate(chars):
        a, b = starts[k], ends[k]
        assert prev_end <= a < b <= len(raw)
        assert normalize_chars(raw[a:b])[0] == ch
        prev_end = b


@SETTINGS
@given(st.lists(st.one_of(text, st.sampled_from(["杨立昆(Yann LeCun)", "MMA(综合格斗)", "((((", "))", "“(", "(”"])),
                max_size=8).map("".join))
def test_extractor_never_raises_and_stays_in_its_paragraph(raw):
    doc = RawDocument("d", "d.txt", raw, "0" * 64, "utf-8", len(raw))
    norm = normalize_document(doc)
    passages = segment_document(norm)
    pairs, _ = extract_pairs(norm, passages)
    spans = {p.passage_id: (p.start, p.end) for p in passages}
    for pair in pairs:
        a, b = spans[pair.passage_id]
        assert a <= pair.start < pair.end <= b
        assert a <= pair.en_start < pair.en_end <= b
        assert raw[pair.start:pair.end] == pair.zh_original


@SETTINGS
@given(text, st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_decoding_round_trips_any_text_in_unicode_encodings(raw, encoding):
    raw = raw.lstrip("\ufeff")
    try:
        data = raw.encode(encoding)
    except UnicodeEncodeError:  # lone surrogates cannot be written at all
        return
    decoded, _ = decode_bytes(data, "raw/x.txt")
    assert decoded.lstrip("\ufeff") == raw


def _lines(doc_id):
    return [line for line in seed_text(doc_id).splitlines() if len(line) >= 30]


@SETTINGS
@given(st.one_of(
    st.tuples(st.sampled_from(_lines(SEED_FORTUNE)), st.sampled_from(["gb18030", "gbk"])),
    st.tuples(st.sampled_from(_lines(SEED_HK)), st.sampled_from(["big5hkscs", "gb18030"])),
))
def test_decoding_round_trips_real_lines_in_chinese_encodings(case):
    line, encoding = case
    line = line.encode(encoding, errors="ignore").decode(encoding)
    decoded, _ = decode_bytes(line.encode(encoding), "raw/x.txt")
    assert decoded == line
