"""Server-side authentication as ``WC_REST_Authentication`` does it, step by step.

Written from WooCommerce's PHP, independently of the client's signing code, so a mistake on one
side shows up as a failed request instead of cancelling out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Any

from paymatch_woocommerce.fake.php import is_php_empty, rawurldecode, rawurlencode, urldecode

NONCE_WINDOW = 15 * 60
_HEADER_PARAM = re.compile(r'(oauth_[a-z_-]*)=(:?"([^"]*)"|([^,]*))')
_REQUIRED = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)


@dataclass
class ApiKey:
    consumer_key: str
    consumer_secret: str
    permissions: str = "read_write"  # read | write | read_write
    nonces: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthError:
    code: str
    message: str
    status: int = 401


@dataclass
class AuthResult:
    key: ApiKey | None = None
    error: AuthError | None = None
    method: str = ""


def _error(message: str, code: str = "woocommerce_rest_authentication_error") -> AuthError:
    return AuthError(code, message)


def authenticate(
    *,
    is_ssl: bool,
    method: str,
    request_path: str,
    home_url: str,
    home_path: str,
    get: dict[str, Any],
    post: dict[str, Any],
    headers: dict[str, str],
    keys: dict[str, ApiKey],
    now: float,
) -> AuthResult:
    """``authenticate()``: Basic over SSL first, then OAuth 1.0a; nothing given is anonymous."""
    result = AuthResult()
    if is_ssl and _basic(result, get, headers, keys):
        return result
    _oauth(
        result,
        method=method,
        request_path=request_path,
        home_url=home_url,
        home_path=home_path,
        get=get,
        post=post,
        headers=headers,
        keys=keys,
        now=now,
    )
    return result


def _basic(
    result: AuthResult, get: dict[str, Any], headers: dict[str, str], keys: dict[str, ApiKey]
) -> bool:
    result.method = "basic_auth"
    key = secret = ""
    if not is_php_empty(get.get("consumer_key")) and not is_php_empty(get.get("consumer_secret")):
        key, secret = str(get["consumer_key"]), str(get["consumer_secret"])
    auth = headers.get("authorization", "")
    if not key and auth[:6].lower() == "basic ":
        try:
            user, _, password = base64.b64decode(auth[6:].strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            user = password = ""
        if user and password:
            key, secret = user, password
    if not key or not secret:
        return False
    api_key = keys.get(key)
    if api_key is None:
        return False
    if not hmac.compare_digest(api_key.consumer_secret.encode(), secret.encode()):
        result.error = _error("Consumer secret is invalid.")
        return False
    result.key = api_key
    return True


def _oauth_parameters(
    result: AuthResult, get: dict[str, Any], post: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    params = {**get, **post}
    header = headers.get("authorization", "").strip()
    if header[:6] == "OAuth ":
        for match in _HEADER_PARAM.finditer(header):
            params[match.group(1)] = urldecode(match.group(3) or match.group(4))
    missing = [name for name in _REQUIRED if is_php_empty(params.get(name))]
    if len(missing) == len(_REQUIRED):
        return {}
    if missing:
        noun = "parameter" if len(missing) == 1 else "parameters"
        result.error = AuthError(
            "woocommerce_rest_authentication_missing_parameter",
            f"Missing OAuth {noun} {', '.join(missing)}",
        )
        return {}
    return params


def _oauth(
    result: AuthResult,
    *,
    method: str,
    request_path: str,
    home_url: str,
    home_path: str,
    get: dict[str, Any],
    post: dict[str, Any],
    headers: dict[str, str],
    keys: dict[str, ApiKey],
    now: float,
) -> None:
    result.method = "oauth1"
    params = _oauth_parameters(result, get, post, headers)
    if not params:
        return
    api_key = keys.get(str(params["oauth_consumer_key"]))
    if api_key is None:
        result.error = _error("Consumer key is invalid.")
        return
    error = _check_signature(
        api_key,
        params,
        method=method,
        request_path=request_path,
        home_url=home_url,
        home_path=home_path,
    )
    error = error or _check_timestamp_and_nonce(
        api_key, str(params["oauth_timestamp"]), str(params["oauth_nonce"]), now
    )
    if error:
        result.error = error
        return
    result.key = api_key


def _normalize(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in value.items()}
    return rawurlencode(str(value))


def _join_with_equals_sign(params: dict[Any, Any], prefix: str = "") -> list[str]:
    pairs: list[str] = []
    for key, value in params.items():
        name = f"{prefix}%5B{key}%5D" if prefix else str(key)
        if isinstance(value, dict):
            pairs.extend(_join_with_equals_sign(value, name))
        else:
            pairs.append(rawurlencode(f"{name}={value}"))
    return pairs


def _check_signature(
    api_key: ApiKey,
    params: dict[str, Any],
    *,
    method: str,
    request_path: str,
    home_url: str,
    home_path: str,
) -> AuthError | None:
    wp_base = home_path.rstrip("/") + "/"
    if request_path.startswith(wp_base):
        request_path = request_path[len(wp_base) :]
    base_request_uri = rawurlencode(home_url.rstrip("/") + "/" + request_path.lstrip("/"))
    params = dict(params)
    consumer_signature = rawurldecode(str(params.pop("oauth_signature")).replace(" ", "+"))
    # uksort( $params, 'strcmp' ): byte order of the raw names
    ordered = {k: params[k] for k in sorted(params, key=lambda name: str(name).encode())}
    normalized = {rawurlencode(str(k)): _normalize(v) for k, v in ordered.items()}
    query_string = "%26".join(_join_with_equals_sign(normalized))
    string_to_sign = f"{method.upper()}&{base_request_uri}&{query_string}"
    signature_method = params["oauth_signature_method"]
    if signature_method not in ("HMAC-SHA1", "HMAC-SHA256"):
        return _error("Invalid signature - signature method is invalid.")
    algorithm = hashlib.sha1 if signature_method == "HMAC-SHA1" else hashlib.sha256
    secret = api_key.consumer_secret + "&"
    digest = hmac.new(secret.encode(), string_to_sign.encode(), algorithm).digest()
    signature = base64.b64encode(digest).decode()
    if not hmac.compare_digest(signature.encode(), consumer_signature.encode()):
        return _error("Invalid signature - provided signature does not match.")
    return None


def _check_timestamp_and_nonce(
    api_key: ApiKey, timestamp: str, nonce: str, now: float
) -> AuthError | None:
    if not timestamp.isdigit() or not (now - NONCE_WINDOW <= int(timestamp) <= now + NONCE_WINDOW):
        return _error("Invalid timestamp.")
    if nonce in api_key.nonces.values():
        return _error("Invalid nonce - nonce has already been used.")
    # WooCommerce keys the stored nonces by timestamp (one per second survives), as here.
    api_key.nonces[int(timestamp)] = nonce
    for stamp in [s for s in api_key.nonces if s < now - NONCE_WINDOW]:
        del api_key.nonces[stamp]
    return None


def check_permissions(api_key: ApiKey, method: str) -> AuthError | None:
    """``check_permissions``: read keys may GET/HEAD, write keys POST/PUT/PATCH/DELETE."""
    if method in ("HEAD", "GET"):
        if api_key.permissions not in ("read", "read_write"):
            return _error("The API key provided does not have read permissions.")
    elif method in ("POST", "PUT", "PATCH", "DELETE"):
        if api_key.permissions not in ("write", "read_write"):
            return _error("The API key provided does not have write permissions.")
    elif method != "OPTIONS":
        return _error("Unknown request method.")
    return None
