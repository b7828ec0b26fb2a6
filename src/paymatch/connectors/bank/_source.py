"""Opening bank files and turning their bytes into text without ever guessing wrong silently.

Bank files arrive as paths, open binary streams or bytes. Every reader here needs to read a file
twice at most (once to find its encoding, once to parse it), so non-seekable streams are spooled
to a temporary file first.

Encodings (docs/bank-statements.md, "Encodings"): UTF-8 (with or without BOM) is tried first and
taken when the whole file decodes. Otherwise the file is an 8-bit export and the candidates are
Windows-1252, ISO-8859-15 and the DOS code pages 850 and 852. Each non-ASCII word is decoded with
every candidate and scored: common European letters score, letters whose case does not fit their
neighbours (``MšLLER``) and symbols or box-drawing characters in the middle of words are
penalised. The best candidate wins only when no other candidate that reads the text differently
is as plausible; otherwise the file is refused with an error that names the ``encoding=`` option,
because a wrong guess would import names and references as mojibake.
"""

from __future__ import annotations

import codecs
import io
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

from paymatch.core.errors import StatementError

SourceLike = BinaryIO | Path | str | bytes | bytearray | memoryview

HEAD_SIZE = 64 * 1024
_CHUNK = 1 << 20

# Tried in this order; on equal plausibility and equal text the first one is reported.
EIGHT_BIT_CANDIDATES = ("cp1252", "iso8859_15", "cp850", "cp852")

# Letters that real bank text is made of, beyond ASCII: German and Western European first,
# then Central European (Hungarian, Polish, Czech exports in cp852).
_WESTERN = set("äöüßÄÖÜáàâãéèêëíìîóòôõúùûñçÁÀÂÃÉÈÊËÍÌÎÓÒÔÕÚÙÛÑÇøØåÅæÆ")
_CENTRAL = set("ąćęłńśźżĄĆĘŁŃŚŹŻőűŐŰčďěňřšťůžČĎĚŇŘŠŤŮŽ")
_CURRENCY = set("€£")
# Symbols that may stand inside or next to words in bank text.
_HARMLESS = set("§°²³µ·«»´\u00a0")
_HIGH_WORD = re.compile(rb"[^\s]{0,20}[\x80-\xff][^\s]{0,20}")
_MAX_WORDS = 5000


def source_name_of(source: SourceLike, source_name: str | None) -> str:
    if source_name:
        return source_name
    if isinstance(source, Path | str):
        return str(source)
    name = getattr(source, "name", None)
    if isinstance(name, str):
        return name
    return "<bytes>"


@contextmanager
def open_binary(source: SourceLike, where: str) -> Iterator[BinaryIO]:
    """A seekable binary stream over ``source``, positioned at its start."""
    if isinstance(source, bytes | bytearray | memoryview):
        yield io.BytesIO(bytes(source))
        return
    if isinstance(source, Path | str):
        try:
            stream = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as error:
            raise StatementError(error.strerror or str(error), where=where) from None
        with stream:
            yield stream
        return
    if not hasattr(source, "read"):
        raise StatementError(f"cannot read a {type(source).__name__} as a bank file", where=where)
    seekable = False
    try:
        seekable = source.seekable()
    except (AttributeError, OSError, ValueError):
        seekable = False
    if seekable:
        start = source.tell()
        try:
            yield source
        finally:
            source.seek(start)
        return
    with tempfile.SpooledTemporaryFile(max_size=16 * _CHUNK) as spool:
        shutil.copyfileobj(source, spool, _CHUNK)
        spool.seek(0)
        # A SpooledTemporaryFile has the whole BinaryIO interface; typeshed does not say so.
        yield cast(BinaryIO, spool)


def read_head(stream: BinaryIO, size: int = HEAD_SIZE) -> bytes:
    start = stream.tell()
    head = stream.read(size)
    stream.seek(start)
    return head


def _line_of(stream: BinaryIO, offset: int) -> int:
    """1-based line number of byte ``offset`` (counting LF, and CR not followed by LF)."""
    start = stream.tell()
    stream.seek(0)
    data = stream.read(offset)
    stream.seek(start)
    return data.count(b"\n") + data.replace(b"\r\n", b"\n").count(b"\r") + 1


def _is_utf8(stream: BinaryIO) -> tuple[bool, int]:
    """Whether the whole stream decodes as UTF-8, and where it fails if not."""
    start = stream.tell()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    try:
        while chunk := stream.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return False, offset + error.start
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            return False, offset + error.start
        return True, -1
    finally:
        stream.seek(start)


def _high_words(stream: BinaryIO) -> list[bytes]:
    """Distinct words with non-ASCII bytes (bounded), the evidence for choosing an 8-bit code."""
    start = stream.tell()
    words: dict[bytes, None] = {}
    tail = b""
    try:
        while chunk := stream.read(_CHUNK):
            data = tail + chunk
            cut = max(data.rfind(b"\n"), data.rfind(b" "))
            if cut < 0:
                tail = data[-64:]
                continue
            for match in _HIGH_WORD.finditer(data, 0, cut):
                words.setdefault(match.group(), None)
                if len(words) >= _MAX_WORDS:
                    return list(words)
            tail = data[cut:]
        for match in _HIGH_WORD.finditer(tail):
            words.setdefault(match.group(), None)
        return list(words)
    finally:
        stream.seek(start)


def _char_score(text: str, index: int) -> float:
    char = text[index]
    if ord(char) < 128:
        return 0.0
    if char in _CURRENCY:
        return 2.0
    if char.isalpha():
        neighbours = [
            text[j] for j in (index - 1, index + 1) if 0 <= j < len(text) and text[j].isalpha()
        ]
        if not neighbours:  # a letter standing alone is weak evidence
            return 0.5
        score = 3.0 if char in _WESTERN else 2.0 if char in _CENTRAL else 0.5
        if neighbours and char.islower() and all(n.isupper() for n in neighbours):
            score -= 4.0
        if index > 0 and char.isupper() and neighbours and all(n.islower() for n in neighbours):
            score -= 4.0
        return score
    if char in _HARMLESS:
        return 0.5
    return -5.0


def score_decoding(words: list[bytes], encoding: str) -> tuple[float, str] | None:
    """Plausibility of reading ``words`` in ``encoding``; ``None`` if the bytes are undefined."""
    total = 0.0
    decoded = []
    for word in words:
        try:
            text = word.decode(encoding)
        except UnicodeDecodeError:
            return None
        decoded.append(text)
        total += sum(_char_score(text, i) for i in range(len(text)))
    return total, "\x00".join(decoded)


def detect_encoding(stream: BinaryIO, where: str) -> str:
    """The encoding of the whole stream (see the module docstring), or a StatementError."""
    ok, _ = _is_utf8(stream)
    if ok:
        return "utf-8-sig"
    words = _high_words(stream)
    scored: list[tuple[float, str, str]] = []
    for encoding in EIGHT_BIT_CANDIDATES:
        result = score_decoding(words, encoding)
        if result is not None:
            scored.append((result[0], result[1], encoding))
    if not scored:
        raise StatementError(
            "the file is neither UTF-8 nor a known 8-bit encoding; "
            "pass its encoding explicitly with encoding=... (CLI: --encoding)",
            where=where,
        )
    best = max(score for score, _, _ in scored)
    winners = [(text, enc) for score, text, enc in scored if score == best]
    rivals = [enc for score, text, enc in scored if text != winners[0][0] and score > best - 1.0]
    if best <= 0 or rivals:
        sample = b" ".join(words[:3]).decode("latin-1")
        names = ", ".join(enc for _, _, enc in scored)
        raise StatementError(
            f"cannot tell the file's encoding for sure (not UTF-8; {names} all read it "
            f"differently, e.g. {sample!r}); pass it explicitly with encoding=... "
            "(CLI: --encoding)",
            where=where,
        )
    return winners[0][1]


def check_encoding(encoding: str, where: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise StatementError(f"unknown encoding {encoding!r} (encoding=...)", where=where) from None


def text_lines(
    stream: BinaryIO, encoding: str, where: str, *, newline: str | None = None
) -> Iterator[str]:
    """The stream's lines decoded strictly; a decoding error names the line and the option."""
    start = stream.tell()
    # Buffered in large chunks; _NoClose keeps the caller's stream open when the wrapper goes.
    buffered = io.BufferedReader(_NoClose(stream), _CHUNK)
    wrapper = io.TextIOWrapper(buffered, encoding=encoding, errors="strict", newline=newline)
    try:
        yield from wrapper
    except UnicodeDecodeError as error:
        # Find the offending line by decoding again up to the error, byte-exactly.
        stream.seek(start)
        _, offset = _first_error(stream, encoding)
        raise StatementError(
            f"not valid {encoding} text ({error.reason}); pass the file's encoding with "
            "encoding=... (CLI: --encoding)",
            where=where,
            line=_line_of(stream, offset) if offset >= 0 else None,
        ) from None
    finally:
        wrapper.detach()


def _first_error(stream: BinaryIO, encoding: str) -> tuple[bool, int]:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    while chunk := stream.read(_CHUNK):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as error:
            return False, offset + max(error.start, 0)
        offset += len(chunk)
    return True, -1


class _NoClose(io.RawIOBase):
    """Lets TextIOWrapper read a stream without closing it afterwards."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        pass


def resolve_encoding(stream: BinaryIO, encoding: str | None, where: str) -> str:
    """The explicit encoding (validated) or the detected one."""
    if encoding:
        return check_encoding(encoding, where)
    return detect_encoding(stream, where)
