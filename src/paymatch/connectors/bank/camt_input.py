"""Getting CAMT bytes to the XML parser: sources, ZIP archives, encodings and the prolog check.

* A source is a path, ``bytes`` or a binary stream. Banks often deliver camt.053 as a ZIP archive
  of several XML files (EBICS downloads); each member is read as its own document.
* The parser always receives UTF-8. A document declared (or defaulting to) UTF-8 is checked as it
  streams by; when it turns out not to be UTF-8 and everything before the first bad byte was plain
  ASCII, the rest is read as ISO-8859-15 (ABN AMRO and others declare UTF-8 but send Latin-9,
  byte 0xA4 being '€') with a :class:`StatementWarning`. Bytes that fit neither raise a
  :class:`StatementError` that names the ``encoding`` option. Other declared encodings and an
  explicit ``encoding=`` are decoded strictly.
* Before the first byte reaches the parser, the prolog is checked: a DOCTYPE (the door to
  entity expansion and external entities) is refused, and the root element must be ``Document``.
"""

from __future__ import annotations

import codecs
import io
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, NoReturn

from paymatch.connectors.utf16 import sniffable_head, utf16_codec
from paymatch.core.errors import StatementError, StatementWarning

CHUNK = 1 << 16
PROLOG_LIMIT = 1 << 20  # the root element must start within the first MiB
FALLBACK_ENCODING = "iso8859_15"

Source = BinaryIO | IO[bytes] | Path | str | bytes | bytearray | memoryview


@dataclass(frozen=True)
class Document:
    """One XML document to parse: its display name and a binary stream of its bytes."""

    name: str
    stream: IO[bytes]


def source_label(source: object, source_name: str | None) -> str:
    if source_name:
        return source_name
    if isinstance(source, Path | str):
        return str(source)
    if isinstance(source, bytes | bytearray | memoryview):
        return "<bytes>"
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<stream>"


def open_documents(source: Source, label: str) -> Iterator[Document]:
    """The XML documents in ``source``: itself, or each CAMT member of a ZIP archive."""
    if isinstance(source, bytes | bytearray | memoryview):
        stream: IO[bytes] = io.BytesIO(bytes(source))
        owned = True
    elif isinstance(source, Path | str):
        try:
            stream = open(source, "rb")  # noqa: SIM115 - closed in the finally below
        except OSError as error:
            raise StatementError(f"cannot open the file: {error.strerror}", where=label) from None
        owned = True
    else:
        stream = source
        owned = False
    try:
        head, stream = _peek(stream)
        if head.startswith(b"PK\x03\x04"):
            yield from _zip_members(stream, label)
        else:
            yield Document(label, stream)
    finally:
        if owned:
            stream.close()


class _Chained(io.RawIOBase):
    """``head`` followed by the rest of ``stream``: peeking into a pipe without losing bytes."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        super().__init__()
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            count = min(len(target), len(self._head))
            target[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        data = self._stream.read(len(target))
        target[: len(data)] = data
        return len(data)


def _peek(stream: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """The first bytes of ``stream`` and a stream that still yields every byte."""
    if stream.seekable():
        position = stream.tell()
        head = stream.read(4)
        stream.seek(position)
        return head, stream
    head = stream.read(4)
    return head, io.BufferedReader(_Chained(head, stream))


def _zip_members(stream: IO[bytes], label: str) -> Iterator[Document]:
    if not stream.seekable():  # a ZIP needs its central directory at the end: spool a pipe
        spool = tempfile.SpooledTemporaryFile(max_size=64 << 20)  # noqa: SIM115
        shutil.copyfileobj(stream, spool, CHUNK)
        spool.seek(0)
        stream = spool
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise StatementError(f"not a readable ZIP archive: {error}", where=label) from None
    with archive:
        found = False
        for info in archive.infolist():
            if info.is_dir() or info.filename.startswith("__MACOSX/"):
                continue
            member_label = f"{label}!{info.filename}"
            try:
                with archive.open(info) as member:
                    if not looks_like_camt(member.read(CHUNK)):
                        warnings.warn(
                            StatementWarning(f"{member_label}: not a CAMT document, skipped"),
                            stacklevel=2,
                        )
                        continue
                with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
                    with archive.open(info) as member:
                        shutil.copyfileobj(member, spool, CHUNK)
                    spool.seek(0)
                    found = True
                    yield Document(member_label, spool)
            except (zipfile.BadZipFile, RuntimeError, OSError, EOFError) as error:
                # RuntimeError: encrypted member; BadZipFile: CRC error or broken data
                raise StatementError(
                    f"cannot read ZIP member: {error}", where=member_label
                ) from None
        if not found:
            raise StatementError("the ZIP archive contains no CAMT document", where=label)


_CAMT_HINT = re.compile(rb"camt\.05[234]\.|BkToCstmr(?:Stmt|AcctRpt|DbtCdtNtfctn)")
_ZIP_XML_MEMBER = re.compile(rb"PK\x03\x04.{26}[^\x00]*?\.xml", re.DOTALL | re.IGNORECASE)


def looks_like_camt(head: bytes) -> bool:
    """XML naming a camt.052/053/054 namespace or message, or a ZIP whose first member is XML."""
    if head.startswith(b"PK\x03\x04"):
        return _ZIP_XML_MEMBER.match(head[:4096]) is not None
    head = sniffable_head(head)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped.startswith(b"<") and _CAMT_HINT.search(head) is not None


# --- encoding ----------------------------------------------------------------------------------

_DECLARATION = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_UTF8_NAMES = {"utf_8", "ascii"}


def _codec_name(name: str, label: str) -> str:
    try:
        return codecs.lookup(name).name.replace("-", "_")
    except LookupError:
        raise StatementError(f"unknown encoding {name!r}", where=label) from None


class Utf8Stream(io.RawIOBase):
    """A readable stream of UTF-8 bytes made from a document in whatever encoding it really has.

    See the module docstring for the rules. ``read`` serves lxml; ``lines`` counts the line
    breaks passed on so far, for error messages about bytes that could not be decoded.
    """

    def __init__(self, raw: IO[bytes], label: str, encoding: str | None) -> None:
        super().__init__()
        self._raw = raw
        self._label = label
        self._buffer = b""
        self._eof = False
        self._lines = 1
        self._offset = 0
        self._started = False
        self._explicit = encoding
        self._mode = "check"  # "check": UTF-8 passed through, "decode": decoded and re-encoded
        self._decoder: codecs.IncrementalDecoder = codecs.getincrementaldecoder("utf_8")()
        self._codec = "utf_8"
        self._all_ascii = True

    # io.RawIOBase protocol
    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        limit = CHUNK if size is None or size < 0 else max(size, 1)
        while len(self._buffer) < limit and not self._eof:
            self._fill()
        data, self._buffer = self._buffer[:limit], self._buffer[limit:]
        return data

    def _fill(self) -> None:
        if not self._started:
            self._started = True
            self._start()
            return
        chunk = self._raw.read(CHUNK)
        final = not chunk
        if final:
            self._eof = True
        self._buffer += self._convert(chunk, final=final)

    def _start(self) -> None:
        head = b""
        while len(head) < PROLOG_LIMIT:
            chunk = self._raw.read(CHUNK)
            if not chunk:
                break
            head += chunk
            if _root_started(head):
                break
        if not head:
            raise StatementError("the file is empty", where=self._label)
        self._choose_codec(head)
        converted = self._convert(head, final=False)
        check_prolog(converted, self._label)
        self._buffer += converted

    def _choose_codec(self, head: bytes) -> None:
        if head.startswith(codecs.BOM_UTF8):
            head = head[3:]
            self._decoder = codecs.getincrementaldecoder("utf_8_sig")()
        if self._explicit:
            self._use(_codec_name(self._explicit, self._label))
            return
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self._use("utf_16")
            return
        utf16 = utf16_codec(head)
        if utf16 is not None:  # UTF-16 without BOM (XML 1.0 appendix F): from the NUL bytes
            self._use(utf16.replace("-", "_"))
            return
        match = _DECLARATION.match(head.lstrip())
        declared = _codec_name(match.group(1).decode("ascii"), self._label) if match else "utf_8"
        if declared.startswith(("utf_16", "utf_32")):
            declared = "utf_8"  # the declaration was readable as ASCII: the file is not UTF-16
        if declared not in _UTF8_NAMES:
            self._use(declared)

    def _use(self, codec: str) -> None:
        self._codec = codec
        if codec == "utf_8" and self._explicit:
            self._mode = "strict"
            return
        self._mode = "decode"
        self._decoder = codecs.getincrementaldecoder(codec)()

    def _convert(self, chunk: bytes, *, final: bool) -> bytes:
        if self._mode == "decode":
            try:
                result = self._decoder.decode(chunk, final).encode("utf-8")
            except UnicodeDecodeError as error:
                self._fail(chunk, error.start, f"not valid {self._codec} text")
            self._account(chunk)
            if self._codec == FALLBACK_ENCODING and _has_c1_controls(result):
                self._fail_c1(chunk)
            return result
        try:
            self._decoder.decode(chunk, final)
        except UnicodeDecodeError as error:
            if self._mode == "check" and self._all_ascii and chunk[: error.start].isascii():
                return self._fall_back(chunk, error.start, final=final)
            self._fail(chunk, error.start, "declared as UTF-8 but not valid UTF-8")
        if self._all_ascii and not chunk.isascii():
            self._all_ascii = False
        self._account(chunk)
        return chunk

    def _fall_back(self, chunk: bytes, position: int, *, final: bool) -> bytes:
        line = self._lines + chunk.count(b"\n", 0, position)
        warnings.warn(
            StatementWarning(
                f"{self._label}: declared as UTF-8 but byte 0x{chunk[position]:02X} on line "
                f"{line} is not UTF-8; read as ISO-8859-15 (pass encoding= to choose another)"
            ),
            stacklevel=4,
        )
        self._codec = FALLBACK_ENCODING
        self._mode = "decode"
        self._decoder = codecs.getincrementaldecoder(FALLBACK_ENCODING)()
        return self._convert(chunk, final=final)

    def _account(self, chunk: bytes) -> None:
        self._lines += chunk.count(b"\n")
        self._offset += len(chunk)

    def _fail(self, chunk: bytes, position: int, what: str) -> NoReturn:
        line = self._lines + chunk.count(b"\n", 0, max(position, 0))
        byte = f" (byte 0x{chunk[position]:02X})" if 0 <= position < len(chunk) else ""
        raise StatementError(
            f"{what}{byte}; pass encoding= with the file's real encoding",
            where=self._label,
            line=line,
        )

    def _fail_c1(self, chunk: bytes) -> NoReturn:
        position = next(i for i, byte in enumerate(chunk) if 0x80 <= byte <= 0x9F)
        self._fail(
            chunk,
            position,
            "neither UTF-8 nor ISO-8859-15 text (control characters 0x80-0x9F suggest "
            "Windows-1252, encoding='cp1252')",
        )


def _has_c1_controls(utf8: bytes) -> bool:
    # U+0080..U+009F encode as C2 80 .. C2 9F
    return b"\xc2" in utf8 and re.search(rb"\xc2[\x80-\x9f]", utf8) is not None


# --- prolog ------------------------------------------------------------------------------------

_MARKUP = re.compile(rb"<(?![?!])")
_ROOT_TAG = re.compile(
    rb"""<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)((?:\s+[\w.:\-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*/?>"""
)


def _root_started(head: bytes) -> bool:
    stripped = _strip_prolog(head)
    return stripped is not None and b">" in stripped


def _strip_prolog(data: bytes) -> bytes | None:
    """``data`` from the root element's ``<`` on, or ``None`` while the prolog has not ended."""
    position = 0
    length = len(data)
    while position < length:
        start = data.find(b"<", position)
        if start < 0:
            return None
        if data.startswith(b"<?", start):
            end = data.find(b"?>", start)
            if end < 0:
                return None
            position = end + 2
        elif data.startswith(b"<!--", start):
            end = data.find(b"-->", start)
            if end < 0:
                return None
            position = end + 3
        elif data.startswith(b"<!", start):
            return data[start:]  # DOCTYPE (or junk): check_prolog decides
        else:
            return data[start:]
    return None


def check_prolog(utf8_head: bytes, label: str) -> None:
    """Refuse DTDs, and anything whose root element is not a ``Document``."""
    rest = _strip_prolog(utf8_head)
    if rest is None:
        if utf8_head.strip(b" \t\r\n\xef\xbb\xbf"):
            return  # let the XML parser report what is wrong with it
        raise StatementError("the file is empty", where=label)
    if rest.startswith(b"<!DOCTYPE") or rest.startswith(b"<!ENTITY"):
        raise StatementError(
            "a DOCTYPE is not allowed in a bank statement (entity expansion and external "
            "entities are refused)",
            where=label,
            line=utf8_head[: len(utf8_head) - len(rest)].count(b"\n") + 1,
        )
    match = _ROOT_TAG.match(rest)
    if match is None:
        return  # malformed: the XML parser gives the precise message
    name = match.group(1).decode("utf-8", "replace")
    if name.rpartition(":")[2] != "Document":
        raise StatementError(
            f"not a CAMT document: the root element is <{name}>, not <Document>",
            where=label,
            line=utf8_head[: len(utf8_head) - len(rest)].count(b"\n") + 1,
        )
