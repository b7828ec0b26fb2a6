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

UTF-16 (Excel's "Unicode Text", some banking software) is decided before all that, in one place
(:func:`paymatch.connectors.utf16.utf16_codec`): by its byte order mark, or without one by the
pattern of Latin text, one
NUL byte next to each character. Format detection sees the head transcoded to UTF-8
(:func:`paymatch.connectors.utf16.sniffable_head`), so no sniffer needs to know about UTF-16.
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

from paymatch.connectors.utf16 import UTF16_PROBE, utf16_codec
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


def _line_of(stream: BinaryIO, offset: int, encoding: str = "latin-1") -> int:
    """1-based line number of byte ``offset`` (counting LF, and CR not followed by LF) in text
    of ``encoding``: counted on characters, so that it is the same line in UTF-8 and UTF-16."""
    start = stream.tell()
    stream.seek(0)
    data = stream.read(offset)
    stream.seek(start)
    text = data.decode(encoding, "replace")
    return text.count("\n") + text.replace("\r\n", "\n").count("\r") + 1


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
    utf16 = utf16_codec(read_head(stream))
    if utf16 is not None:
        return utf16
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
            "the file is neither UTF-8, UTF-16 nor a known 8-bit encoding; "
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
    """The stream's lines decoded strictly; a decoding error names the line and the option.

    A byte order mark at the start is not part of the text, whichever UTF codec was named.
    """
    start = stream.tell()
    # Buffered in large chunks; _NoClose keeps the caller's stream open when the wrapper goes.
    buffered = io.BufferedReader(_NoClose(stream), _CHUNK)
    wrapper = io.TextIOWrapper(buffered, encoding=encoding, errors="strict", newline=newline)
    try:
        first = next(wrapper, None)
        if first is not None:
            yield first.removeprefix("\ufeff")
            yield from wrapper
    except UnicodeDecodeError as error:
        # Find the offending line by decoding again up to the error, byte-exactly.
        stream.seek(start)
        offset = _first_error(stream, encoding)
        raise StatementError(
            f"not valid {encoding} text ({error.reason}); pass the file's encoding with "
            "encoding=... (CLI: --encoding)",
            where=where,
            line=_line_of(stream, offset, encoding) if offset >= 0 else None,
        ) from None
    finally:
        wrapper.detach()


def _first_error(stream: BinaryIO, encoding: str) -> int:
    """The byte offset of the first undecodable byte (an incomplete character at the end
    included: a UTF-16 file of an odd length), or -1."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0  # bytes handed to the decoder so far
    while True:
        chunk = stream.read(_CHUNK)
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:
            # The decoder reports positions in what it held back plus the new chunk.
            held = len(error.object) - len(chunk)
            return offset - held + max(error.start, 0)
        if not chunk:
            return -1
        offset += len(chunk)


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


def resolve_encoding(
    stream: BinaryIO, encoding: str | None, where: str, *, default: str | None = None
) -> str:
    """The explicit ``encoding`` (validated), else a UTF-16 or UTF-8 byte order mark, else
    ``default`` (a CSV profile's encoding), else the detected encoding.

    An explicit ``"utf-16"`` on a file without BOM takes the byte order from the text.
    """
    if encoding:
        name = check_encoding(encoding, where)
        if name != "utf-16":
            return name
        head = read_head(stream)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return name
        order = utf16_codec(head)
        if order is None:
            raise StatementError(
                "UTF-16 without byte order mark and not recognisably little or big endian; "
                "pass encoding='utf-16-le' or encoding='utf-16-be' (CLI: --encoding)",
                where=where,
            )
        return order
    if default:
        head = read_head(stream, UTF16_PROBE)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        return utf16_codec(head) or check_encoding(default, where)
    return detect_encoding(stream, where)
