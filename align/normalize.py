"""Stage 2: one Simplified, width- and punctuation-normalized text per document.

Normalization is two pure steps, each keeping a map from output characters back to
the original text:

1. :func:`normalize_chars`: full-width ASCII to ASCII (U+FF01–U+FF5E, U+3000), corner
   brackets to curly quotes (「」 -> “”, 『』 -> ‘’), non-breaking and other odd
   spaces to a space, CRLF and CR to LF; NUL, control, zero-width, lone surrogate and BOM
   characters are dropped.
2. OpenCC conversion to Simplified with the config of the document's script
   variant (``hk2s``, ``tw2s``, ``t2s``), detected by :func:`detect_variant`.

The converter is the official OpenCC binding (``opencc`` on PyPI): it passes all of
OpenCC's own test cases and is about 25 times faster than the pure-Python packages
(see the README). Any package exposing ``opencc.OpenCC(config).convert`` works.
"""

from __future__ import annotations

import difflib
import re
from array import array
from functools import lru_cache

from .config import SCRIPT_VARIANTS
from .markup import markup_of, strip_markup
from .records import NormalizedDocument, RawDocument
from .text import HAN, drop_inline_markup

# Source script -> OpenCC config to Simplified. ``s`` needs no conversion.
OPENCC_CONFIGS: dict[str, str | None] = {"hk": "hk2s", "tw": "tw2s", "t": "t2s", "s": None}
# Source script -> OpenCC's phrase-level config to mainland vocabulary (滑鼠 -> 鼠标,
# 伺服器 -> 服务器), beside the character conversion above. Other Traditional has none.
MAINLAND_CONFIGS: dict[str, str | None] = {"hk": "hk2sp", "tw": "tw2sp", "t": "t2s", "s": None}
VARIANTS = SCRIPT_VARIANTS
assert set(OPENCC_CONFIGS) == set(VARIANTS) == set(MAINLAND_CONFIGS)

_DROP = {"\x00", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}
_SPACES = {"\u00a0", "\u3000", "\u2002", "\u2003", "\u2009", "\u202f", "\u205f", "\t"}
_QUOTES = {"「": "“", "」": "”", "『": "‘", "』": "’", "﹁": "“", "﹂": "”", "﹃": "‘", "﹄": "’"}


def _map_char(ch: str) -> str:
    o = ord(ch)
    if 0xFF01 <= o <= 0xFF5E:
        return chr(o - 0xFEE0)
    if ch in _QUOTES:
        return _QUOTES[ch]
    if ch in _SPACES:
        return " "
    # Lone surrogates are not characters (stdin decoded with surrogateescape has them)
    # and no encoder, OpenCC's included, accepts them.
    if ch in _DROP or (o < 32 and ch != "\n") or 0x7F <= o < 0xA0 or 0xD800 <= o <= 0xDFFF:
        return ""
    return ch


# Every character normalize_chars may change: everything else is copied as is, in
# slices, so the common case (clean UTF-8 text) costs a regex scan and two ranges.
_SPECIAL = re.compile(
    "[\r\x00-\x09\x0b-\x1f\x7f-\x9f\uff01-\uff5e\\ud800-\\udfff"
    + re.escape("".join(sorted(_DROP | _SPACES | set(_QUOTES))))
    + "]"
)


def normalize_chars(text: str) -> tuple[str, array, array]:
    """Width, quote, space and line-end normalization; returns text and offset maps."""
    out: list[str] = []
    starts = array("i")
    ends = array("i")
    pos = 0
    for m in _SPECIAL.finditer(text):
        i = m.start()
        if i < pos:  # the LF of a CRLF already consumed
            continue
        if i > pos:
            out.append(text[pos:i])
            starts.extend(range(pos, i))
            ends.extend(range(pos + 1, i + 1))
        ch = text[i]
        if ch == "\r":
            stop = i + 2 if text.startswith("\r\n", i) else i + 1
            out.append("\n")
            starts.append(i)
            ends.append(stop)
            pos = stop
            continue
        mapped = _map_char(ch)
        if mapped:
            out.append(mapped)
            starts.append(i)
            ends.append(i + 1)
        pos = i + 1
    if pos < len(text):
        out.append(text[pos:])
        starts.extend(range(pos, len(text)))
        ends.extend(range(pos + 1, len(text) + 1))
    return "".join(out), starts, ends


@lru_cache(maxsize=8)
def _converter(config: str):
    try:
        import opencc
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise ImportError("OpenCC is needed: pip install opencc") from exc
    return opencc.OpenCC(config)


def convert_script(text: str, config: str | None) -> tuple[str, list[int]]:
    """OpenCC-convert ``text``; return it with, per output char, its input index."""
    if config is None:
        return text, list(range(len(text)))
    converted = _converter(config).convert(text)
    if len(converted) == len(text):
        return converted, list(range(len(text)))
    # A phrase changed length (rare): align line by line so the map stays exact.
    mapping: list[int] = []
    out_lines = []
    offset = 0
    for line in text.split("\n"):
        conv = _converter(config).convert(line)
        if len(conv) == len(line):
            mapping.extend(range(offset, offset + len(line)))
        else:
            for _tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
                None, line, conv, autojunk=False
            ).get_opcodes():
                for k in range(j2 - j1):
                    src = i1 + min(k, max(i2 - i1 - 1, 0))
                    mapping.append(offset + src)
        out_lines.append(conv)
        offset += len(line) + 1
        mapping.append(offset - 1)  # the newline
    mapping.pop()  # no newline after the last line
    return "\n".join(out_lines), mapping


# Regional vocabulary: words written in one region's Traditional Chinese and not the
# other's (standard HK/TW lexical differences), plus Cantonese particles. Used with the
# character-form signal below to tell Hong Kong from Taiwan usage.
_HK_WORDS = (
    "軟件", "硬件", "網絡", "互聯網", "數據", "服務器", "信息", "視頻", "項目", "質素",
    "質量", "程序", "打印", "數碼", "的士", "巴士", "單車", "搞掂", "嘅", "咗", "唔係",
    "喺", "嗰", "冇", "佢哋", "啲", "噉", "乜嘢", "睇", "揾", "咁樣", "屋邨", "私隱",
    "短訊", "手提電話", "電郵", "網頁瀏覽器", "默認", "博客", "上載", "下載量",
)
_TW_WORDS = (
    "軟體", "硬體", "網路", "網際網路", "資料庫", "伺服器", "資訊", "專案", "品質",
    "程式", "列印", "數位", "計程車", "公車", "腳踏車", "捷運", "簡訊", "手機", "電子郵件",
    "部落格", "預設", "上傳", "滑鼠", "螢幕", "隱私權", "影音", "網友", "透過", "檔案",
    "光碟", "記憶體", "介面",
)


def detect_variant(text: str) -> str:
    """Guess the script a text is written in: ``hk``, ``tw``, ``t`` or ``s``."""
    sample = text[:200_000]
    han = len(HAN.findall(sample))
    if han == 0:
        return "s"
    to_simp = _converter("t2s").convert(sample)
    to_trad = _converter("s2t").convert(sample)
    trad_only = _count_diffs(sample, to_simp)
    simp_only = _count_diffs(sample, to_trad)
    if trad_only <= simp_only or trad_only < max(1, 0.01 * han):
        return "s"
    hk = sum(sample.count(w) for w in _HK_WORDS)
    tw = sum(sample.count(w) for w in _TW_WORDS)
    # Character forms: how many characters HK (resp. TW) standard forms would change.
    hk_forms = _count_diffs(sample, _converter("t2hk").convert(sample))
    tw_forms = _count_diffs(sample, _converter("t2tw").convert(sample))
    hk_score = 3 * hk + tw_forms
    tw_score = 3 * tw + hk_forms
    if hk_score >= 2 * max(tw_score, 1) and hk >= 2:
        return "hk"
    if tw_score >= 2 * max(hk_score, 1) and tw >= 2:
        return "tw"
    return "t"


def _count_diffs(a: str, b: str) -> int:
    if len(a) == len(b):
        return sum(map(str.__ne__, a, b))
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in sm.get_opcodes() if tag != "equal")


def normalize_text(text: str, variant: str = "auto") -> tuple[str, str, array, array]:
    """Normalize ``text``; return ``(normalized, variant, src_start, src_end)``."""
    chars, starts, ends = normalize_chars(text)
    if variant == "auto":
        variant = detect_variant(chars)
    if variant not in OPENCC_CONFIGS:
        raise ValueError(f"unknown script variant {variant!r}; expected one of {VARIANTS}")
    converted, mapping = convert_script(chars, OPENCC_CONFIGS[variant])
    if len(converted) == len(chars):
        return converted, variant, starts, ends
    src_start = array("i", (starts[k] for k in mapping))
    src_end = array("i", (ends[k] for k in mapping))
    return converted, variant, src_start, src_end


def mainland_text(text: str, variant: str = "auto") -> str:
    """``text`` in Simplified with mainland vocabulary (OpenCC's phrase configs): what
    ``align normalize --phrases`` prints. Lengths may change, so there is no offset map."""
    chars, _, _ = normalize_chars(text)
    if variant == "auto":
        variant = detect_variant(chars)
    if variant not in MAINLAND_CONFIGS:
        raise ValueError(f"unknown script variant {variant!r}; expected one of {VARIANTS}")
    config = MAINLAND_CONFIGS[variant]
    return _converter(config).convert(chars) if config else chars


def mainland_span(zh_original: str, zh: str, variant: str) -> str:
    """The mainland phrasing of one pair's Chinese: ``zh_original`` (as in the raw file,
    inline markup dropped) through the phrase config, when its character conversion gives
    back ``zh`` exactly; otherwise ``zh`` (a span the markup reader rebuilt is not guessed)."""
    if variant == "s" or variant not in MAINLAND_CONFIGS:
        return zh
    plain = drop_inline_markup(zh_original)
    if normalize_text(plain, variant)[0] != zh:
        return zh
    return mainland_text(plain, variant)


def normalize_source(text: str, path: str, variant: str = "auto") -> tuple[str, str, array, array]:
    """Markup dropped (Markdown and HTML files, by ``path``), then :func:`normalize_text`;
    the offset maps of both steps are composed, so they point into ``text`` as given."""
    plain, markup_start, markup_end = strip_markup(text, markup_of(path))
    out, variant, src_start, src_end = normalize_text(plain, variant)
    if markup_start is not None:
        src_start = array("i", (markup_start[i] for i in src_start))
        src_end = array("i", (markup_end[i - 1] for i in src_end))
    return out, variant, src_start, src_end


def normalize_document(doc: RawDocument, variant: str = "auto") -> NormalizedDocument:
    """:func:`normalize_source` of the file as it was read."""
    text, variant, src_start, src_end = normalize_source(doc.text, doc.path, variant)
    return NormalizedDocument(
        raw=doc,
        variant=variant,
        opencc_config=OPENCC_CONFIGS[variant],
        text=text,
        src_start=src_start,
        src_end=src_end,
    )
