"""OAuth 1.0a one-legged request signing, as WooCommerce verifies it over plain HTTP.

WooCommerce (``WC_REST_Authentication::check_oauth_signature``) rebuilds the signature from the
request: the method, the store URL plus the request path, and *every* query parameter together
with the ``oauth_*`` ones (the JSON body is not signed). Parameters are sorted by their name,
each name and value is percent-encoded as RFC 3986 (PHP ``rawurlencode``), and the key is the
consumer secret followed by ``&`` (there is no token). Timestamps must be within 15 minutes of
the server's clock and every nonce is single-use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def percent_encode(text: str) -> str:
    """RFC 3986 percent-encoding: everything but ``A-Z a-z 0-9 - . _ ~`` (PHP ``rawurlencode``)."""
    return quote(text, safe="-._~")


def base_url(url: str) -> str:
    """The URL part of the signature base string: scheme, host, non-default port and path."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    authority = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    return f"{scheme}://{authority}{parts.path or '/'}"


def signature_base_string(method: str, url: str, params: Mapping[str, str]) -> str:
    """``METHOD&enc(url)&enc(k1=v1&k2=v2...)`` with the parameters sorted by name."""
    pairs = "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )
    return "&".join((method.upper(), percent_encode(base_url(url)), percent_encode(pairs)))


def sign(base_string: str, key: str, method: str = "HMAC-SHA256") -> str:
    """Base64 HMAC of the base string; ``key`` is ``consumer_secret + "&"`` for WooCommerce."""
    algorithm = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA1": hashlib.sha1}[method]
    digest = hmac.new(key.encode(), base_string.encode(), algorithm).digest()
    return base64.b64encode(digest).decode("ascii")


def oauth_parameters(
    *,
    method: str,
    url: str,
    query: Mapping[str, str],
    consumer_key: str,
    consumer_secret: str,
    signature_method: str,
    timestamp: int,
    nonce: str | None = None,
) -> dict[str, str]:
    """The ``oauth_*`` parameters (signature included) for one request with ``query``."""
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": signature_method,
        "oauth_timestamp": str(timestamp),
    }
    clash = set(query) & set(oauth)
    if clash:
        raise ValueError(f"query parameters {sorted(clash)} are reserved for OAuth")
    base = signature_base_string(method, url, {**query, **oauth})
    oauth["oauth_signature"] = sign(base, consumer_secret + "&", signature_method)
    return oauth


def authorization_header(oauth: Mapping[str, str]) -> str:
    """``OAuth k="v", ...`` with percent-encoded values, for servers that keep the header."""
    return "OAuth " + ", ".join(
        f'{key}="{percent_encode(value)}"' for key, value in sorted(oauth.items())
    )
