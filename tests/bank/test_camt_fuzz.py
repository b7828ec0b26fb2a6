"""Fuzzing the CAMT reader: whatever the bytes, the result is postings or a StatementError."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paymatch.connectors.bank import camt
from paymatch.core.errors import StatementError
from paymatch.core.models import Statement

SEED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
    b"<GrpHdr><MsgId>M</MsgId><CreDtTm>2024-03-02T08:00:00</CreDtTm></GrpHdr><Stmt><Id>S</Id>"
    b"<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>"
    b'<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt>'
    b"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-03-01</Dt></Dt></Bal>"
    b"<TxsSummry><TtlNtries><NbOfNtries>1</NbOfNtries></TtlNtries></TxsSummry>"
    b'<Ntry><Amt Ccy="EUR">6.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>false</RvslInd>'
    b"<Sts><Cd>BOOK</Cd></Sts><BookgDt><DtTm>2024-03-01T10:00:00+01:00</DtTm></BookgDt>"
    b"<ValDt><Dt>2024-03-01</Dt></ValDt><AcctSvcrRef>R</AcctSvcrRef><BkTxCd><Prtry>"
    b"<Cd>NTRF+166+9310+997</Cd><Issr>DK</Issr></Prtry></BkTxCd><NtryDtls><Btch><NbOfTxs>2"
    b'</NbOfTxs></Btch><TxDtls><Refs><EndToEndId>E1</EndToEndId></Refs><Amt Ccy="EUR">3.50'
    b"</Amt><CdtDbtInd>DBIT</CdtDbtInd><RltdPties><Cdtr><Pty><Nm>A</Nm></Pty></Cdtr>"
    b"<CdtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></CdtrAcct></RltdPties>"
    b"<RmtInf><Ustrd>eins</Ustrd><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf>"
    b'</Strd></RmtInf></TxDtls><TxDtls><Amt Ccy="EUR">2.50</Amt><AmtDtls><InstdAmt>'
    b'<Amt Ccy="CHF">2.40</Amt><CcyXchg><XchgRate>1.04</XchgRate></CcyXchg></InstdAmt>'
    b"</AmtDtls><RmtInf><Ustrd>zwei</Ustrd></RmtInf></TxDtls></NtryDtls>"
    b"<AddtlNtryInf>Sammler</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>\n"
)


def _outcome(data: bytes) -> Statement | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return camt.read(data, statuses=None)
        except StatementError as error:
            failure = error
    assert failure.reason  # always says why
    assert failure.where == "<bytes>"
    return None


def test_seed_is_valid() -> None:
    statement = _outcome(SEED)
    assert statement is not None
    assert len(statement.postings) == 2


@st.composite
def mutations(draw: st.DrawFn, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "swap", "dup"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[position] = draw(st.integers(0, 255))
        elif kind == "insert":
            piece = draw(
                st.sampled_from(
                    [
                        b"<",
                        b">",
                        b"&",
                        b"&amp;",
                        b"</Ntry>",
                        b"<Ntry>",
                        b"-",
                        b",",
                        b"\xa4",
                        b"\xff",
                        b"<![CDATA[x]]>",
                        b"<!DOCTYPE x>",
                        b"\x00",
                        b"9" * 30,
                        b'<Amt Ccy="JPY">1.5</Amt>',
                        b"<Sts>PDNG</Sts>",
                        b"<TxDtls/>",
                    ]
                )
            )
            data[position:position] = piece
        elif kind == "delete":
            end = draw(st.integers(position, min(len(data), position + 40)))
            del data[position:end]
        elif kind == "truncate":
            del data[position:]
        elif kind == "swap" and data:
            other = draw(st.integers(0, max(len(data) - 1, 0)))
            data[position], data[other] = data[other], data[position]
        elif kind == "dup":
            end = draw(st.integers(position, min(len(data), position + 200)))
            data[end:end] = data[position:end]
    return bytes(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations(SEED))
def test_mutated_documents(data: bytes) -> None:
    _outcome(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    _outcome(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_after_a_valid_prolog(data: bytes) -> None:
    _outcome(SEED[:200] + data)


@pytest.fixture(scope="module")
def corpus(bank_samples: Path) -> list[bytes]:
    names = ["genkgo-camt/camt054.v8.xml", "libeufin/platform/gls_camt053.xml"]
    names.append(
        "bundesbank-samples-via-php-financial-formats/CAMT/"
        "11_EBICS_camt.053_Kontoauszug_mit_allen_Umsätzen.xml"
    )
    return [(bank_samples / name).read_bytes() for name in names]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mutated_corpus_files(corpus: list[bytes], data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from(corpus))
    _outcome(data.draw(mutations(seed)))
