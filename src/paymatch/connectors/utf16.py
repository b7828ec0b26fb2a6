"""UTF-16 text (Excel's "Unicode Text", some banking software), recognised from a file's head.

Kept apart from the bank readers so that everything that sniffs a file's format sees the same
head: :func:`paymatch.connectors.bank.detect_format` and the Reconciler's statement import hand
every format's ``sniff``, a plugin's included, UTF-16 text transcoded to UTF-8
(:func:`sniffable_head`).
"""

from __future__ import annotations

import codecs
import re

# How much of the head decides whether a file without BOM is UTF-16.
UTF16_PROBE = 4096
# Share of the probed code units that must be Latin text (U+0009..U+00FF, no NUL or other C0
# control but tab, CR, LF, SOH, ETX) for a file without BOM to be taken for UTF-16.
_UTF16_LATIN_SHARE = 0.9
_LATIN_UNIT = re.compile(r"[\t\n\r\x01\x03\x20-\x7e\xa0-\xff]")


def utf16_codec(head: bytes) -> str | None:
    """``"utf-16"`` (byte order from the BOM), ``"utf-16-le"``/``"utf-16-be"`` (no BOM) or
    ``None``: whether the file whose first bytes are ``head`` is UTF-16 text.

    Without a BOM only text in the Latin range is recognised: in nearly every code unit one byte
    is NUL and the other is not, and the file starts with such a unit. UTF-8 and 8-bit text hold
    no NUL bytes and binary data does not decode to Latin text, so neither is taken for UTF-16.
    A BOM followed by something that is no text (a NUL character, as in UTF-32) is not UTF-16.
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
        body = head[2 : 2 + UTF16_PROBE]
        order = "utf-16-le" if head.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"
        text = _decode_head(body, order)
        return codec if text is not None and "\x00" not in text else None
    probe = head[:UTF16_PROBE]
    if len(probe) < 2:
        return None
    for order in ("utf-16-le", "utf-16-be"):
        text = _decode_head(probe, order)
        if not text or "\x00" in text or not _LATIN_UNIT.match(text[0]):
            continue
        latin = sum(1 for char in text if _LATIN_UNIT.match(char))
        if latin >= _UTF16_LATIN_SHARE * len(text):
            return order
    return None


def _decode_head(data: bytes, codec: str) -> str | None:
    """``data`` decoded, an incomplete code unit or pair at the end left out. A lone surrogate
    is kept (it is no Latin text): reading the file names its line later."""
    try:
        return codecs.getincrementaldecoder(codec)("surrogatepass").decode(data, final=False)
    except UnicodeDecodeError:
        return None


def sniffable_head(head: bytes) -> bytes:
    """The head as format sniffers see it: UTF-16 transcoded to UTF-8, anything else as is."""
    codec = utf16_codec(head)
    if codec is None:
        return head
    text = codecs.getincrementaldecoder(codec)("replace").decode(head, final=False)
    return text.encode("utf-8", "replace")
