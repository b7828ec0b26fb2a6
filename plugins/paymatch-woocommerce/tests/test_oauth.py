"""OAuth 1.0a signing (client) against the fake's independent re-implementation of WooCommerce."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st
from paymatch_woocommerce import oauth
from paymatch_woocommerce.fake.auth import ApiKey, authenticate
from paymatch_woocommerce.fake.php import parse_str


def test_known_vector_from_the_oauth_core_example() -> None:
    # OAuth Core 1.0 appendix A.5: the HMAC-SHA1 example with its published signature.
    params = {
        "file": "vacation.jpg",
        "size": "original",
        "oauth_consumer_key": "dpf43f3p2l4k3l03",
        "oauth_token": "nnch734d00sl2jdk",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": "1191242096",
        "oauth_nonce": "kllo9940pd9333jh",
        "oauth_version": "1.0",
    }
    base = oauth.signature_base_string("GET", "http://photos.example.net/photos", params)
    assert base == (
        "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26"
        "oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26"
        "oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26"
        "oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal"
    )
    assert oauth.sign(base, "kd94hf93k423kf44&pfkkdhi9sl3r4s00", "HMAC-SHA1") == (
        "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
    )


def test_base_url_drops_default_ports_and_lowercases_the_host() -> None:
    assert oauth.base_url("HTTP://Shop.Example:80/wp-json/wc/v3/orders?x=1") == (
        "http://shop.example/wp-json/wc/v3/orders"
    )
    assert (
        oauth.base_url("http://127.0.0.1:8080/shop/wp-json") == "http://127.0.0.1:8080/shop/wp-json"
    )


_texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="[]"),
    max_size=12,
)
_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-0123456789", min_size=1, max_size=10).filter(
    lambda name: not name.startswith("oauth_")
)


@given(
    query=st.dictionaries(_names, _texts, max_size=6),
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE"]),
    signature_method=st.sampled_from(["HMAC-SHA1", "HMAC-SHA256"]),
    path=st.sampled_from(["/wp-json/wc/v3/orders", "/shop/wp-json/wc/v3/orders/727"]),
)
def test_woocommerce_accepts_every_signed_query(
    query: dict[str, str], method: str, signature_method: str, path: str
) -> None:
    """Whatever the query holds (spaces, '+', '/', umlauts, ...), the server's check passes."""
    home = "http://127.0.0.1:8080" + ("/shop" if path.startswith("/shop") else "")
    url = "http://127.0.0.1:8080" + path
    now = int(time.time())
    params = oauth.oauth_parameters(
        method=method,
        url=url,
        query=query,
        consumer_key="ck_test",
        consumer_secret="cs_secret",
        signature_method=signature_method,
        timestamp=now,
    )
    sent = "&".join(
        f"{oauth.percent_encode(k)}={oauth.percent_encode(v)}"
        for k, v in {**query, **params}.items()
    )
    key = ApiKey("ck_test", "cs_secret")

    def check(query_string: str, secret_key: ApiKey) -> str | None:
        result = authenticate(
            is_ssl=False,
            method=method,
            request_path=urlsplit(url).path,
            home_url=home,
            home_path=urlsplit(home).path,
            get=parse_str(query_string),
            post={},
            headers={},
            keys={"ck_test": secret_key},
            now=now,
        )
        return None if result.key else (result.error.message if result.error else "anonymous")

    assert check(sent, key) is None
    # the same request again: the nonce is spent
    assert check(sent, key) == "Invalid nonce - nonce has already been used."
    # another secret: the signature no longer matches
    assert check(sent, ApiKey("ck_test", "cs_other")) == (
        "Invalid signature - provided signature does not match."
    )


@given(query=st.dictionaries(_names, _texts, min_size=1, max_size=4), data=st.data())
def test_any_changed_parameter_breaks_the_signature(
    query: dict[str, str], data: st.DataObject
) -> None:
    url = "http://127.0.0.1:8080/wp-json/wc/v3/orders"
    now = int(time.time())
    params = oauth.oauth_parameters(
        method="GET",
        url=url,
        query=query,
        consumer_key="ck_test",
        consumer_secret="cs_secret",
        signature_method="HMAC-SHA256",
        timestamp=now,
    )
    name = data.draw(st.sampled_from(sorted(query)))
    tampered = {**query, name: query[name] + "x"}
    sent = "&".join(
        f"{oauth.percent_encode(k)}={oauth.percent_encode(v)}"
        for k, v in {**tampered, **params}.items()
    )
    result = authenticate(
        is_ssl=False,
        method="GET",
        request_path=urlsplit(url).path,
        home_url="http://127.0.0.1:8080",
        home_path="",
        get=parse_str(sent),
        post={},
        headers={},
        keys={"ck_test": ApiKey("ck_test", "cs_secret")},
        now=now,
    )
    assert result.key is None
    assert result.error is not None
    assert result.error.message == "Invalid signature - provided signature does not match."
