"""Markdown and HTML read with real parsers: the text a reader sees, mapped back to the file.

:func:`strip_markup` turns a Markdown file (CommonMark plus tables, parsed by markdown-it-py)
or an HTML file (the standard library's ``html.parser``) into plain text, one block per line,
with a map from every output character to the ``[start, end)`` of the file characters it
came from, so every span found in the plain text still points into the raw file.

- Emphasis, links, headings, list and table syntax and tags disappear; their text stays.
  A Markdown table row stays one line, its cells set apart by `` | ``.
  Admonitions (``!!! note``, ``??? tip``, as MkDocs writes them) are read as the prose they are.
- Code (fenced and indented blocks, inline code, ``<code>``/``<pre>``/``<script>``/``<style>``)
  never reaches the extractor: a block is dropped, inline code becomes one U+FFFC object
  replacement character, which neither script's rules can take as part of a phrase.
- A soft line break inside a paragraph joins its lines (with a space unless both sides are
  Chinese: Chinese does not put spaces between words).
"""

from __future__ import annotations

import html
from array import array
from functools import lru_cache
from html.parser import HTMLParser

CODE_MARK = "\ufffc"
CELL_SEPARATOR = " | "
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
_HTML_SKIP = frozenset({"code", "pre", "script", "style", "kbd", "samp", "var"})
_HTML_BLOCK = frozenset({"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
                         "blockquote", "section", "article", "header", "footer", "ul", "ol", "table", "dd", "dt"})


def markup_of(path: str) -> str | None:
    """``"markdown"``, ``"html"`` or None (plain text), from the file name."""
    suffix = path[path.rfind(".") :].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in HTML_SUFFIXES:
        return "html"
    return None


class _Out:
    """Plain text under construction, with each character's source range."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.starts = array("i")
        self.ends = array("i")

    def add(self, text: str, start: int, end: int | None = None) -> None:
        """``text`` copied from the file at ``start`` (one to one), or, with ``end``, one
        character standing for the range ``[start, end)``."""
        if end is None:
            self.parts.append(text)
            self.starts.extend(range(start, start + len(text)))
            self.ends.extend(range(start + 1, start + len(text) + 1))
        else:
            self.parts.append(text)
            self.starts.append(start)
            self.ends.append(end)

    def last_char(self) -> str:
        for part in reversed(self.parts):
            if part:
                return part[-1]
        return "\n"

    def newline(self, at: int) -> None:
        if self.last_char() != "\n":
            self.add("\n", at, at)

    def result(self) -> tuple[str, array, array]:
        return "".join(self.parts), self.starts, self.ends


def _cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


@lru_cache(maxsize=1)
def _markdown_parser():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.admon import admon_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    # MkDocs/Python-Markdown admonitions (`!!! note "Title"` over an indented body) are prose;
    # plain CommonMark would read their body as an indented code block and drop it. A YAML
    # front matter block is not a setext heading: plain CommonMark would join its lines into one.
    md = MarkdownIt("commonmark").enable("table").use(admon_plugin).use(front_matter_plugin)
    md.inline.ruler.at("emphasis", _cjk_emphasis)
    return md


def _cjk_emphasis(state, silent: bool) -> bool:
    """CommonMark's emphasis tokenizer with CJK-friendly flanking rules.

    CommonMark lets ``**`` open only where it is not followed by punctuation unless preceded
    by a space or punctuation, so ``了**“及时行乐”**(Carpe Diem)`` stays literal and the
    stars after it pair up wrongly. Chinese puts no spaces around emphasis: a Han character
    or CJK punctuation beside the run counts as the space would (the rule of the
    markdown-it-cjk-friendly proposal).
    """
    from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
    from markdown_it.rules_inline.state_inline import Delimiter

    start = state.pos
    marker = state.src[start]
    if silent or marker not in ("_", "*"):
        return False
    pos = start
    while pos < state.posMax and state.src[pos] == marker:
        pos += 1
    count = pos - start
    last = state.src[start - 1] if start > 0 else " "
    nxt = state.src[pos] if pos < state.posMax else " "
    last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
    next_punct = isMdAsciiPunct(ord(nxt)) or isPunctChar(nxt)
    last_space = isWhiteSpace(ord(last)) or _cjk(last)
    next_space = isWhiteSpace(ord(nxt)) or _cjk(nxt)
    left = not isWhiteSpace(ord(nxt)) and (not next_punct or last_space or last_punct)
    right = not isWhiteSpace(ord(last)) and (not last_punct or next_space or next_punct)
    can_split = marker == "*"
    can_open = left and (can_split or not right or last_punct or _cjk(last))
    can_close = right and (can_split or not left or next_punct or _cjk(nxt))
    for _ in range(count):
        token = state.push("text", "", 0)
        token.content = marker
        state.delimiters.append(Delimiter(marker=ord(marker), length=count, token=len(state.tokens) - 1,
                                          end=-1, open=can_open, close=can_close))
    state.pos += count
    return True


def _strip_markdown(text: str) -> tuple[str, array, array]:
    line_starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            line_starts.append(i + 1)
    line_starts.append(len(text))
    out = _Out()
    cursor = 0
    tokens = _markdown_parser().parse(text)
    for i, token in enumerate(tokens):
        if token.type in ("th_close", "td_close") and i + 1 < len(tokens) and tokens[i + 1].type in ("th_open", "td_open"):
            # A table row stays one line, its cells apart: 中文 | English is read as a pair.
            for ch in CELL_SEPARATOR:
                out.add(ch, cursor, cursor)
            continue
        if token.map:
            block_start = line_starts[min(token.map[0], len(line_starts) - 1)]
            cursor = max(cursor, block_start)
        if token.type == "front_matter" and token.map:
            # Each line of the block stays a line of its own (``title: 标题``, ``Overview: 概述``).
            for line in range(token.map[0] + 1, token.map[1] - 1):
                start, end = line_starts[line], line_starts[line + 1]
                out.add(text[start:end].rstrip("\n"), start)
                out.newline(end)
            out.newline(cursor)
            cursor = line_starts[min(token.map[1], len(line_starts) - 1)]
            continue
        if token.type in ("fence", "code_block"):
            out.newline(cursor)
            cursor = line_starts[min(token.map[1], len(line_starts) - 1)] if token.map else cursor
            continue
        if token.type == "html_block":
            out.newline(cursor)
            at = text.find(token.content, cursor)
            if at >= 0:
                _html_into(out, token.content, at)
                cursor = at + len(token.content)
            out.newline(cursor)
            continue
        if token.type != "inline":
            if token.type.endswith("_close") or token.type == "hr":
                out.newline(cursor)
            continue
        limit = line_starts[min(token.map[1], len(line_starts) - 1)] if token.map else len(text)
        cursor = _inline_into(out, text, token.children or [], cursor, limit)
        if not (i + 1 < len(tokens) and tokens[i + 1].type in ("th_close", "td_close")):
            out.newline(cursor)
    return out.result()


def _inline_into(out: _Out, text: str, children, cursor: int, limit: int) -> int:
    """Copy the text of one inline token's children; return the cursor after them."""
    for child in children:
        kind = child.type
        if kind == "text":
            cursor = _copy(out, text, child.content, cursor, limit)
        elif kind == "code_inline":
            at = text.find(child.content, cursor, limit)
            if at < 0:
                continue
            ticks_end = at + len(child.content)
            while ticks_end < limit and text[ticks_end] == "`":
                ticks_end += 1
            out.add(CODE_MARK, at, ticks_end)
            cursor = ticks_end
        elif kind in ("softbreak", "hardbreak"):
            at = text.find("\n", cursor, limit)
            at = cursor if at < 0 else at
            if not (_cjk(out.last_char()) and at + 1 < len(text) and _cjk(text[at + 1 : at + 2] or "a")):
                out.add(" ", at, at + 1)
            cursor = at + 1
        elif kind == "html_inline":
            at = text.find(child.content, cursor, limit)
            if at >= 0:
                cursor = at + len(child.content)
        elif kind in ("link_close", "image"):
            cursor = _skip_destination(text, cursor, limit, image=kind == "image")
    return cursor


def _copy(out: _Out, text: str, content: str, cursor: int, limit: int) -> int:
    """Map ``content`` onto the file from ``cursor``: as one run when it is there verbatim,
    else character by character (backslash escapes and entities differ from the file)."""
    at = text.find(content, cursor, limit)
    if at >= 0:
        out.add(content, at)
        return at + len(content)
    for ch in content:
        at = text.find(ch, cursor, limit)
        if at < 0:  # an entity (&amp; -> &): the character stands for the next file char
            at = min(cursor, max(limit - 1, 0))
            out.add(ch, at, at + 1)
            cursor = at
            continue
        out.add(ch, at)
        cursor = at + 1
    return cursor


def _skip_destination(text: str, cursor: int, limit: int, image: bool) -> int:
    """Past ``](url "title")`` or ``][ref]`` of a link (or the whole ``![alt](src)``)."""
    if image:
        bang = text.find("![", cursor, limit)
        if bang < 0:
            return cursor
        close = text.find("]", bang, limit)
        cursor = close if close >= 0 else cursor
    if text.startswith("](", cursor):
        depth, i = 0, cursor + 1
        while i < limit:
            if text[i] == "(":
                depth += 1
            elif text[i] == ")":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
    if text.startswith("][", cursor):
        close = text.find("]", cursor + 2, limit)
        return close + 1 if close >= 0 else cursor
    if text.startswith("]", cursor) or text.startswith(">", cursor):
        return cursor + 1
    return cursor


class _HTMLText(HTMLParser):
    """Text of an HTML fragment with each run's offset in the fragment."""

    def __init__(self, source: str, base: int, out: _Out) -> None:
        super().__init__(convert_charrefs=False)
        self.out, self.base, self.source_text = out, base, source
        self.skipping = 0
        self.line_starts = [0]
        for i, ch in enumerate(source):
            if ch == "\n":
                self.line_starts.append(i + 1)

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.base + self.line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs) -> None:
        if tag in _HTML_SKIP:
            if self.skipping == 0 and tag in ("code", "kbd", "samp", "var"):
                self._mark_start = self._offset()
            self.skipping += 1
        elif tag in _HTML_BLOCK:
            self.out.newline(self._offset())

    def handle_endtag(self, tag) -> None:
        if tag in _HTML_SKIP and self.skipping:
            self.skipping -= 1
            if self.skipping == 0 and tag in ("code", "kbd", "samp", "var"):
                self.out.add(CODE_MARK, self._mark_start, self._offset() + len(tag) + 3)
        elif tag in _HTML_BLOCK:
            self.out.newline(self._offset())

    def handle_data(self, data) -> None:
        if self.skipping:
            return
        at = self._offset()
        for i, line in enumerate(data.split("\n")):
            if i:
                self.out.newline(at)
                at += 1
            stripped = line.strip()
            if stripped:
                lead = len(line) - len(line.lstrip())
                self.out.add(stripped, at + lead)
            at += len(line)

    def _reference(self, name: str, prefix: str) -> None:
        if self.skipping:
            return
        at = self._offset()
        # HTMLParser also reports a reference without its semicolon (``&feedName=`` in a URL).
        end = at + len(prefix) + len(name)
        if self.source_text[end - self.base : end - self.base + 1] == ";":
            end += 1
        written = self.source_text[at - self.base : end - self.base]
        decoded = html.unescape(written)
        if decoded == written:  # not a known reference: the characters as they stand
            self.out.add(written, at)
        else:
            for ch in decoded:
                self.out.add(ch, at, end)

    def handle_entityref(self, name) -> None:
        self._reference(name, "&")

    def handle_charref(self, name) -> None:
        self._reference(name, "&#")


def _html_into(out: _Out, source: str, base: int) -> None:
    parser = _HTMLText(source, base, out)
    parser.feed(source)
    parser.close()


def _strip_html(text: str) -> tuple[str, array, array]:
    out = _Out()
    _html_into(out, text, 0)
    return out.result()


def strip_markup(text: str, markup: str | None) -> tuple[str, array | None, array | None]:
    """``(plain, starts, ends)``; for plain text (``markup`` None) the text itself and no maps."""
    if markup == "markdown":
        return _strip_markdown(text)
    if markup == "html":
        return _strip_html(text)
    return text, None, None
