"""The built-in CSV profiles of German banks, each on a small file written here with the header
exactly as the profile's source documents it (see the comment at the top of each TOML), read
through ``read_statement`` with format detection."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paymatch.connectors.bank import bank_csv, iter_statement, read_statement
from paymatch.core.errors import StatementError

ACCOUNT = "DE12500105170648489890"


@dataclass(frozen=True)
class Expected:
    booking_date: date
    amount: str
    name: str | None
    iban: str | None
    remittance: str


PAYER = ("Jürgen Müller", "DE89370400440532013000")
UTILITY = ("Stadtwerke Köln", "DE02100500000054540402")


def from_payer(day: date, amount: str = "1234.56") -> Expected:
    """The sample income every profile's file starts with (as far as its layout holds it)."""
    return Expected(day, amount, *PAYER, "Rechnung 4711")


def to_utility(day: date, remittance: str = "Strom Januar") -> Expected:
    """The sample direct debit of 89.90."""
    return Expected(day, "-89.90", *UTILITY, remittance)


@dataclass(frozen=True)
class Sample:
    profile: str
    text: str
    encoding: str
    expected: tuple[Expected, ...]
    account: str | None = ACCOUNT
    currency: str = "EUR"


VR_2022_HEADER = (
    "Bezeichnung Auftragskonto;IBAN Auftragskonto;BIC Auftragskonto;Bankname Auftragskonto;"
    "Buchungstag;Valutadatum;Name Zahlungsbeteiligter;IBAN Zahlungsbeteiligter;"
    "BIC (SWIFT-Code) Zahlungsbeteiligter;Buchungstext;Verwendungszweck;Betrag;Waehrung;"
    "Saldo nach Buchung;Bemerkung;Kategorie;Steuerrelevant;Glaeubiger ID;Mandatsreferenz"
)
VR_OWN = f"Geschäftskonto;{ACCOUNT};GENODEF1XXX;Volksbank Musterstadt"

DKB_HEADER = (
    '"Buchungsdatum";"Wertstellung";"Status";"Zahlungspflichtige*r";"Zahlungsempfänger*in";'
    '"Verwendungszweck";"Umsatztyp";"IBAN";"Betrag (€)";"Gläubiger-ID";"Mandatsreferenz";'
    '"Kundenreferenz"'
)
DKB_LEGACY_HEADER = (
    '"Buchungstag";"Wertstellung";"Buchungstext";"Auftraggeber / Begünstigter";'
    '"Verwendungszweck";"Kontonummer";"BLZ";"Betrag (EUR)";"Gläubiger-ID";"Mandatsreferenz";'
    '"Kundenreferenz";'
)
COMMERZBANK_HEADER = (
    "Buchungstag;Wertstellung;Umsatzart;Buchungstext;Betrag;Währung;Auftraggeberkonto;"
    "Bankleitzahl Auftraggeberkonto;IBAN Auftraggeberkonto;Kategorie"
)
ING_PREAMBLE = (
    "Umsatzanzeige;Datei erstellt am: 25.01.2026 12:00\n"
    ";Letztes Update: aktuell\n\n"
    "IBAN;DE12 5001 0517 0648 4898 90\nKontoname;Girokonto\nBank;ING\nKunde;Erika Muster\n"
    "Zeitraum;01.01.2026 - 25.01.2026\nSaldo;5.000,00;EUR\n\n"
    "Sortierung;Datum absteigend\n\n"
    "In der CSV-Datei finden Sie alle bereits gebuchten Umsätze. Die vorgemerkten Umsätze "
    "werden nicht aufgenommen, auch wenn sie in Ihrem Internetbanking angezeigt werden.\n\n"
)
DB_HEADER = (
    "Booking date;Value date;Transaction Type;Beneficiary / Originator;Payment Details;IBAN;BIC;"
    "Customer Reference;Mandate Reference;Creditor ID;Compensation amount;Original Amount;"
    "Ultimate creditor;Number of transactions;Number of cheques;Debit;Credit;Currency"
)
N26_HEADER = (
    '"Date","Payee","Account number","Transaction type","Payment reference","Category",'
    '"Amount (EUR)","Amount (Foreign Currency)","Type Foreign Currency","Exchange Rate"'
)
N26_DE_HEADER = (
    '"Datum","Empfänger","Kontonummer","Transaktionstyp","Verwendungszweck",'
    '"Betrag (EUR)","Betrag (Fremdwährung)","Fremdwährung","Wechselkurs"'
)
DB_POSTBANK_HEADER = (
    "Buchungstag;Wert;Umsatzart;Begünstigter / Auftraggeber;Verwendungszweck;IBAN / Kontonummer;"
    "BIC;Kundenreferenz;Mandatsreferenz;Gläubiger ID;Fremde Gebühren;Betrag;"
    "Abweichender Empfänger;Anzahl der Aufträge;Anzahl der Schecks;Soll;Haben;Währung"
)
DB_POSTBANK_PREAMBLE = (
    "Umsätze\nKonto;Filial-/Kontonummer;IBAN;Währung\n"
    f"Postbank Giro plus;500 1234567 00;{ACCOUNT};EUR\n\n"
    "1.1.2026 - 31.1.2026\nLetzter Kontostand;;;;5.000,00;EUR\n"
    "Vorgemerkte und noch nicht gebuchte Umsätze sind nicht Bestandteil dieser Übersicht.\n"
)
DB_LEGACY_HEADER = (  # 2024: 19 columns; "Mandatsreferenz " as the bank writes it
    "Buchungstag;Wert;Umsatzart;Begünstigter / Auftraggeber;Verwendungszweck;IBAN;BIC;"
    "Kundenreferenz;Mandatsreferenz ;Gläubiger ID;Fremde Gebühren;Betrag;Abweichender Empfänger;"
    "Abweichender Auftraggeber;Anzahl der Aufträge;Anzahl der Schecks;Soll;Haben;Währung"
)
N26_2024_HEADER = (
    '"Booking Date","Value Date","Partner Name","Partner Iban",Type,"Payment Reference",'
    '"Account Name","Amount (EUR)","Original Amount","Original Currency","Exchange Rate"'
)


def table(header: str, delimiter: str, rows: list[dict[str, str]]) -> str:
    """A file of ``header`` (as the source shows it) and rows given by column name."""
    names = header.split(delimiter)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        assert set(row) <= set(names), set(row) - set(names)
        writer.writerow([row.get(name, "") for name in names])
    assert buffer.getvalue().startswith(header + "\n")
    return buffer.getvalue()


# Qonto (English): every name is shown by a source (see qonto.toml); the order follows the
# French header, which one source shows whole.
QONTO_HEADER = (
    "Status,Settlement date (UTC),Settlement date (local),Operation date (UTC),"
    "Operation date (local),Total amount (incl. VAT),Debit,Credit,Balance,Currency,"
    "Total amount (incl. VAT) (local),Currency (local),Account name,Account IBAN,"
    "Counterparty name,Counterparty IBAN,Payment method,Initiator,Transaction ID,Reference,Note,"
    "Category"
)
QONTO_FR_HEADER = (
    "Statut;Date de la valeur (UTC);Date de la valeur (local);"
    "Date de l'opération (UTC);Date de l'opération (local);Montant total (TTC);"
    "Débit;Crédit;Solde;Devise;Montant total (TTC) (local);Devise (local);"
    "Montant total de la TVA;Montant total (HT);Montant de la TVA (0.0 %);"
    "Montant (0.0 % HT);Montant de la TVA (20.0 %);Montant (20.0 % HT);"
    "Nom du compte;IBAN du compte;Nom de la contrepartie;IBAN de la contrepartie;"
    "Méthode de paiement;Nom de la carte;Initiateur;Adresse email de l'initiateur;"
    "Équipe;Justificatif;Justificatif requis;Justificatif perdu;"
    "Identifiant de transaction;Référence;Note;Banque;ID du compte;"
    "Catégorie de trésorerie;Sous-catégorie de trésorerie"
)
QONTO_DE_SIMPLE_HEADER = (
    "Abrechnungsdatum (UTC);Name der Gegenpartei;Gesamtbetrag (inkl. MwSt.);Währung;Referenz"
)


def qonto_en(rows: list[dict[str, str]]) -> str:
    return table(QONTO_HEADER, ",", rows)


QONTO_ROWS = [
    {
        "Status": "Settled",
        "Settlement date (UTC)": "02-01-2026 08:15:00",
        "Settlement date (local)": "02-01-2026 09:15:00",
        "Operation date (UTC)": "02-01-2026 08:15:00",
        "Operation date (local)": "02-01-2026 09:15:00",
        "Total amount (incl. VAT)": "1234.56",
        "Credit": "1234.56",
        "Balance": "6234.56",
        "Currency": "EUR",
        "Total amount (incl. VAT) (local)": "1234.56",
        "Currency (local)": "EUR",
        "Account name": "Main account",
        "Account IBAN": ACCOUNT,
        "Counterparty name": PAYER[0],
        "Counterparty IBAN": PAYER[1],
        "Payment method": "transfer",
        "Transaction ID": "qonto-tx-1",
        "Reference": "Rechnung 4711",
    },
    {  # a declined card payment: no settlement, no booking
        "Status": "Declined",
        "Operation date (UTC)": "03-01-2026 10:00:00",
        "Operation date (local)": "03-01-2026 11:00:00",
        "Total amount (incl. VAT)": "-25.00",
        "Currency": "EUR",
        "Account IBAN": ACCOUNT,
        "Counterparty name": "Café Zürich",
        "Payment method": "card",
        "Transaction ID": "qonto-tx-2",
    },
    {
        "Status": "Pending",
        "Operation date (UTC)": "04-01-2026 10:00:00",
        "Operation date (local)": "04-01-2026 11:00:00",
        "Total amount (incl. VAT)": "-10.00",
        "Currency": "EUR",
        "Account IBAN": ACCOUNT,
        "Counterparty name": "Hébergement SAS",
        "Payment method": "transfer",
        "Transaction ID": "qonto-tx-3",
    },
    {  # settled at 00:30 local time: the local date is the booking date
        "Status": "Settled",
        "Settlement date (UTC)": "04-01-2026 23:30:00",
        "Settlement date (local)": "05-01-2026 00:30:00",
        "Operation date (UTC)": "04-01-2026 23:30:00",
        "Operation date (local)": "05-01-2026 00:30:00",
        "Total amount (incl. VAT)": "-89.90",
        "Debit": "89.90",
        "Balance": "6144.66",
        "Currency": "EUR",
        "Account IBAN": ACCOUNT,
        "Counterparty name": UTILITY[0],
        "Counterparty IBAN": UTILITY[1],
        "Payment method": "direct_debit",
        "Transaction ID": "qonto-tx-4",
        "Reference": "Strom Januar",
    },
    {  # a card payment in CHF, without counterparty IBAN and reference
        "Status": "Settled",
        "Settlement date (UTC)": "06-01-2026 11:00:00",
        "Settlement date (local)": "06-01-2026 12:00:00",
        "Total amount (incl. VAT)": "-9.80",
        "Debit": "9.80",
        "Currency": "EUR",
        "Total amount (incl. VAT) (local)": "-9.50",
        "Currency (local)": "CHF",
        "Account IBAN": ACCOUNT,
        "Counterparty name": "Café Zürich",
        "Payment method": "card",
        "Transaction ID": "qonto-tx-5",
    },
]
CAFE = Expected(date(2026, 1, 6), "-9.80", "Café Zürich", None, "")


def qonto_fr(rows: list[dict[str, str]]) -> str:
    return table(QONTO_FR_HEADER, ";", rows)


QONTO_FR_ROWS = [
    {
        "Statut": "Exécuté",
        "Date de la valeur (UTC)": "02-01-2026 08:15:00",
        "Date de la valeur (local)": "02-01-2026 09:15:00",
        "Montant total (TTC)": "1\u00a0234,56",
        "Crédit": "1\u00a0234,56",
        "Devise": "EUR",
        "Nom du compte": "Compte principal",
        "IBAN du compte": ACCOUNT,
        "Nom de la contrepartie": PAYER[0],
        "IBAN de la contrepartie": PAYER[1],
        "Méthode de paiement": "Virement",
        "Identifiant de transaction": "qonto-tx-1",
        "Référence": "Rechnung 4711",
        "Banque": "Qonto",
    },
    {
        "Statut": "En cours",
        "Date de l'opération (UTC)": "03-01-2026 10:00:00",
        "Montant total (TTC)": "-25,00",
        "Devise": "EUR",
        "IBAN du compte": ACCOUNT,
        "Nom de la contrepartie": "Hébergement SAS",
        "Identifiant de transaction": "qonto-tx-2",
    },
    {
        "Statut": "Exécuté",
        "Date de la valeur (UTC)": "05-01-2026 07:00:00",
        "Date de la valeur (local)": "05-01-2026 08:00:00",
        "Montant total (TTC)": "-89,90",
        "Débit": "89,90",
        "Devise": "EUR",
        "IBAN du compte": ACCOUNT,
        "Nom de la contrepartie": UTILITY[0],
        "IBAN de la contrepartie": UTILITY[1],
        "Méthode de paiement": "Prélèvement",
        "Identifiant de transaction": "qonto-tx-3",
        "Référence": "Strom Januar",
    },
    {
        "Statut": "Exécuté",
        "Date de la valeur (UTC)": "06-01-2026 11:00:00",
        "Date de la valeur (local)": "06-01-2026 12:00:00",
        "Montant total (TTC)": "-9,80",
        "Devise": "EUR",
        "Montant total (TTC) (local)": "-9,50",
        "Devise (local)": "CHF",
        "IBAN du compte": ACCOUNT,
        "Nom de la contrepartie": "Café Zürich",
        "Méthode de paiement": "Carte",
        "Identifiant de transaction": "qonto-tx-4",
    },
]

SAMPLES = [
    Sample(
        "vr_bank_2022",
        f"{VR_2022_HEADER}\n"
        f"{VR_OWN};02.01.2026;02.01.2026;Jürgen Müller;DE89370400440532013000;COBADEFFXXX;"
        "Gutschrift;Rechnung 4711;1.234,56;EUR;6.234,56;;;;;\n"
        f"{VR_OWN};05.01.2026;05.01.2026;Stadtwerke Köln;DE02100500000054540402;BELADEBEXXX;"
        "Lastschrift;Strom Januar;-89,90;EUR;6.144,66;;;;DE98ZZZ09999999999;M-123\n"
        f"{VR_OWN};31.01.2026;31.01.2026;;;;Abschluss;Entgelt Kontoführung;-5,00;EUR;"
        "6.139,66;;;;;\n",
        "utf-8",
        (
            from_payer(date(2026, 1, 2)),
            to_utility(date(2026, 1, 5)),
            Expected(date(2026, 1, 31), "-5.00", None, None, "Entgelt Kontoführung"),
        ),
    ),
    Sample(
        "dkb",
        f'"Girokonto";"{ACCOUNT}"\n""\n"Kontostand vom 31.01.2026:";"5.000,01 €"\n""\n'
        f"{DKB_HEADER}\n"
        '"02.01.26";"02.01.26";"Gebucht";"Jürgen Müller";"Erika Muster";"Rechnung 4711";'
        '"Eingang";"DE89370400440532013000";"1.234,5";"";"";""\n'
        '"05.01.26";"05.01.26";"Gebucht";"Erika Muster";"Stadtwerke Köln";"Strom Januar";'
        '"Ausgang";"DE02100500000054540402";"-89,90 €";"DE98ZZZ09999999999";"M-123";'
        '"E2E-1"\n'
        '"06.01.26";"06.01.26";"Gebucht";"Erika Muster";"Bäckerei Öz";"";"Ausgang";"";'
        '"-3";"";"";""\n',
        "utf-8-sig",
        (
            from_payer(date(2026, 1, 2), "1234.5"),
            to_utility(date(2026, 1, 5)),
            Expected(date(2026, 1, 6), "-3", "Bäckerei Öz", None, ""),
        ),
    ),
    Sample(
        "dkb_legacy",
        f'"Kontonummer:";"{ACCOUNT} / Girokonto";\n\n"Von:";"01.01.2022";\n"Bis:";"31.01.2022";\n'
        '"Kontostand vom 31.01.2022:";"5.000,00 EUR";\n\n'
        f"{DKB_LEGACY_HEADER}\n"
        '"03.01.2022";"03.01.2022";"Gutschrift";"Jürgen Müller";"Rechnung 4711";'
        '"DE89370400440532013000";"COBADEFFXXX";"12.345,67";"";"";"";\n'
        '"04.01.2022";"04.01.2022";"Lastschrift";"Stadtwerke Köln";"Strom Januar";'
        '"DE02100500000054540402";"BELADEBEXXX";"-89,90";"DE98ZZZ09999999999";"M-123";"";\n'
        '"05.01.2022";"05.01.2022";"Abschluss";"";"Entgelt";"";"";"-5,00";"";"";"";\n',
        "iso-8859-1",
        (
            from_payer(date(2022, 1, 3), "12345.67"),
            to_utility(date(2022, 1, 4)),
            Expected(date(2022, 1, 5), "-5.00", None, None, "Entgelt"),
        ),
    ),
    Sample(
        "commerzbank",
        f"{COMMERZBANK_HEADER}\n"
        "02.01.2026;02.01.2026;Gutschrift;Jürgen Müller Rechnung 4711;1.234,56;EUR;"
        f"0648489890;50010517;{ACCOUNT};Sonstige Einnahmen\n"
        "05.01.2026;05.01.2026;Lastschrift;Stadtwerke Köln Strom Januar;-89,90;EUR;"
        f"0648489890;50010517;{ACCOUNT};\n"
        "06.01.2026;;Entgelt;Kontoführung;-5,00;EUR;"
        f"0648489890;50010517;{ACCOUNT};\n",
        "utf-8-sig",
        (
            Expected(date(2026, 1, 2), "1234.56", None, None, "Jürgen Müller Rechnung 4711"),
            Expected(date(2026, 1, 5), "-89.90", None, None, "Stadtwerke Köln Strom Januar"),
            Expected(date(2026, 1, 6), "-5.00", None, None, "Kontoführung"),
        ),
    ),
    Sample(
        "ing",
        ING_PREAMBLE
        + "Buchung;Valuta;Auftraggeber/Empfänger;Buchungstext;Kategorie;Verwendungszweck;Saldo;"
        "Währung;Betrag;Währung\n"
        "02.01.2026;02.01.2026;Jürgen Müller;Gutschrift;Einnahmen;Rechnung 4711;6.234,56;EUR;"
        "1.234,56;EUR\n"
        "05.01.2026;05.01.2026;Stadtwerke Köln;Lastschrift;;Strom Januar;6.144,66;EUR;-89,90;"
        "EUR\n"
        "06.01.2026;06.01.2026;Shop Zürich;Lastschrift;;;6.044,66;EUR;-100,00;CHF\n",
        "iso-8859-1",
        (
            Expected(date(2026, 1, 2), "1234.56", "Jürgen Müller", None, "Rechnung 4711"),
            Expected(date(2026, 1, 5), "-89.90", "Stadtwerke Köln", None, "Strom Januar"),
            Expected(date(2026, 1, 6), "-100.00", "Shop Zürich", None, ""),
        ),
    ),
    Sample(
        "comdirect",
        ';\n"Umsätze Girokonto";"Zeitraum: 01.01.2026 - 31.01.2026";\n'
        '"Neuer Kontostand";"6.139,66 EUR";\n\n'
        '"Buchungstag";"Wertstellung (Valuta)";"Vorgang";"Buchungstext";"Umsatz in EUR";\n'
        '"02.01.2026";"02.01.2026";"Übertrag / Überweisung";"Auftraggeber: Jürgen Müller '
        'Buchungstext: Rechnung 4711";"1.234,56";\n'
        '"05.01.2026";"05.01.2026";"Lastschrift / Belastung";"Empfänger: Stadtwerke Köln '
        'Buchungstext: Strom Januar";"-89,90";\n'
        '"06.01.2026";"";"Kontoabschluss";"";"-5,00";\n'
        '"Alter Kontostand";"5.000,00 EUR";\n',
        "cp1252",
        (
            Expected(
                date(2026, 1, 2),
                "1234.56",
                None,
                None,
                "Auftraggeber: Jürgen Müller Buchungstext: Rechnung 4711",
            ),
            Expected(
                date(2026, 1, 5),
                "-89.90",
                None,
                None,
                "Empfänger: Stadtwerke Köln Buchungstext: Strom Januar",
            ),
            Expected(date(2026, 1, 6), "-5.00", None, None, ""),
        ),
        account=None,
    ),
    Sample(
        "deutsche_bank_en",
        "Transactions Current Account;;;Customer number: 100 1234567\n"
        "01/01/2026 - 01/31/2026\nOld balance:;;;;5,000.00;EUR\n"
        "Transactions pending are not included in this report.\n"
        f"{DB_HEADER}\n"
        "01/02/2026;01/02/2026;Credit;Jürgen Müller;Rechnung 4711;DE89370400440532013000;"
        "COBADEFFXXX;E2E-1;;;;;;;;;1,234.56;EUR\n"
        "01/05/2026;01/05/2026;SEPA Direct Debit;Stadtwerke Köln;Strom Januar;"
        "DE02100500000054540402;BELADEBEXXX;;M-123;DE98ZZZ09999999999;;;;;;-89.90;;EUR\n"
        "01/06/2026;01/06/2026;Fees;;Account fee;;;;;;;;;;;-5.00;;EUR\n"
        "Account balance;;;;6,139.66;EUR;;;;;;;;;;;;\n",
        "utf-8",
        (
            from_payer(date(2026, 1, 2)),
            to_utility(date(2026, 1, 5)),
            Expected(date(2026, 1, 6), "-5.00", None, None, "Account fee"),
        ),
        account=None,
    ),
    Sample(
        "n26",
        f"{N26_HEADER}\n"
        '"2026-01-02","Jürgen Müller","DE89370400440532013000","Income","Rechnung 4711",'
        '"Income","1234.56","","",""\n'
        '"2026-01-05","Café Zürich","","MasterCard Payment","","Food","-9.80","-9.50","CHF",'
        '"1.0316"\n'
        '"2026-01-06","Stadtwerke Köln","DE02100500000054540402","Direct Debit","Strom Januar",'
        '"Household","-89.90","","",""\n',
        "utf-8",
        (
            from_payer(date(2026, 1, 2)),
            Expected(date(2026, 1, 5), "-9.80", "Café Zürich", None, ""),
            to_utility(date(2026, 1, 6)),
        ),
        account=None,
    ),
    Sample(
        "n26_de",
        f"{N26_DE_HEADER}\n"
        '"2026-01-02","Jürgen Müller","DE89370400440532013000","Gutschrift","Rechnung 4711",'
        '"1234.56","","",""\n'
        '"2026-01-05","Stadtwerke Köln","DE02100500000054540402","Lastschrift","",'
        '"-89.90","","",""\n',
        "utf-8",
        (
            from_payer(date(2026, 1, 2)),
            to_utility(date(2026, 1, 5), remittance=""),
        ),
        account=None,
    ),
    Sample(
        "deutsche_bank_postbank",
        f"{DB_POSTBANK_PREAMBLE}{DB_POSTBANK_HEADER}\n"
        "2.1.2026;2.1.2026;SEPA Überweisung;Jürgen Müller;Rechnung 4711;DE89370400440532013000;"
        ";NOTPROVIDED;;;;1.234,56;;;;;1.234,56;EUR\n"
        "5.1.2026;5.1.2026;SEPA Lastschrift;Stadtwerke Köln;Strom Januar;DE02100500000054540402;"
        "BELADEBEXXX;E2E-1;M-123;DE98ZZZ09999999999;;-89,9;;;;-89,9;;EUR\n"
        "6.1.2026;5.1.2026;Zinsen/Kosten/Auslagen;;Kontoführung;;;;;;;-5;;;;-5;;EUR\n"
        "Kontostand;31.1.2026;;;6.139,66;EUR\n",
        "utf-8-sig",
        (
            from_payer(date(2026, 1, 2)),
            to_utility(date(2026, 1, 5)),
            Expected(date(2026, 1, 6), "-5", None, None, "Kontoführung"),
        ),
    ),
    Sample(
        "deutsche_bank_legacy",
        "Umsätze Girokonto;;;Kundennummer: 100 1234567\n01.01.2023 - 31.01.2023\n"
        "Letzter Kontostand;;;;5.000,00;EUR\n"
        "Vorgemerkte und noch nicht gebuchte Umsätze sind nicht Bestandteil dieser Übersicht.\n"
        f"{DB_LEGACY_HEADER}\n"
        '02.01.2023;02.01.2023;"SEPA-Überweisung";Jürgen Müller;Rechnung 4711;'
        "DE89370400440532013000;COBADEFFXXX;;;;;;;;;;;1.234,56;EUR\n"
        '05.01.2023;05.01.2023;"SEPA-Lastschrift";Stadtwerke Köln;Strom Januar;'
        "DE02100500000054540402;BELADEBEXXX;E2E-1;M-123;DE98ZZZ09999999999;;;;;;;-89,90;;EUR\n"
        "06.01.2023;06.01.2023;;;Kontoführung;;;;;;;;;;;;-5,00;;EUR\n"
        "Kontostand;31.01.2023;;;6.139,66;EUR\n",
        "iso-8859-1",
        (
            from_payer(date(2023, 1, 2)),
            to_utility(date(2023, 1, 5)),
            Expected(date(2023, 1, 6), "-5.00", None, None, "Kontoführung"),
        ),
        account=None,
    ),
    Sample(
        "n26_2024",
        f"{N26_2024_HEADER}\n"
        '2026-01-02,2026-01-02,"Jürgen Müller",DE89370400440532013000,"Credit Transfer",'
        '"Rechnung 4711","Main Account",1234.56,,,\n'
        '2026-01-05,2026-01-05,"Café Zürich",,Presentment,,"Main Account",-9.80,9.50,CHF,1.0316\n'
        '2026-01-06,,"Stadtwerke Köln",DE02100500000054540402,"Direct Debit","Strom Januar",'
        '"Main Account",-89.90,,,\n',
        "utf-8",
        (
            from_payer(date(2026, 1, 2)),
            Expected(date(2026, 1, 5), "-9.80", "Café Zürich", None, ""),
            to_utility(date(2026, 1, 6)),
        ),
        account=None,
    ),
    Sample(
        "qonto",
        qonto_en(QONTO_ROWS),
        "utf-8",
        (from_payer(date(2026, 1, 2)), to_utility(date(2026, 1, 5)), CAFE),
    ),
    Sample(
        "qonto_fr",
        qonto_fr(QONTO_FR_ROWS),
        "utf-8",
        (from_payer(date(2026, 1, 2)), to_utility(date(2026, 1, 5)), CAFE),
    ),
    Sample(  # the five-column simple export: UTC settlement date, no IBANs, no status
        "qonto_de",
        f"{QONTO_DE_SIMPLE_HEADER}\n"
        "02-01-2026 08:15:00;Jürgen Müller;1.234,56;EUR;Rechnung 4711\n"
        "05-01-2026 07:00:00;Stadtwerke Köln;-89,90;EUR;Strom Januar\n"
        '06-01-2026 11:00:00;Café Zürich;-9,80;EUR;""\n',
        "utf-8",
        (
            Expected(date(2026, 1, 2), "1234.56", PAYER[0], None, "Rechnung 4711"),
            Expected(date(2026, 1, 5), "-89.90", UTILITY[0], None, "Strom Januar"),
            CAFE,
        ),
        account=None,
    ),
]

BY_PROFILE = {s.profile: s for s in SAMPLES}


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.profile for s in SAMPLES])
def test_builtin_profile_reads_its_documented_layout(sample: Sample) -> None:
    data = sample.text.encode(sample.encoding)
    statement = read_statement(data, source_name=f"{sample.profile}.csv")
    assert statement.format == f"csv:{sample.profile}"
    got = [
        (p.booking_date, p.amount, p.counterparty_name, p.counterparty_iban, p.remittance)
        for p in statement.postings
    ]
    assert got == [
        (e.booking_date, Decimal(e.amount), e.name, e.iban, e.remittance) for e in sample.expected
    ]
    assert all(isinstance(p.amount, Decimal) for p in statement.postings)
    assert [p.account_iban for p in statement.postings] == [sample.account] * len(got)
    if sample.profile == "ing":  # the second "Währung" is the amount's currency
        assert [p.currency for p in statement.postings] == ["EUR", "EUR", "CHF"]
    else:
        assert {p.currency for p in statement.postings} == {sample.currency}


def test_sepa_references_and_status_come_from_their_columns() -> None:
    vr = read_statement(BY_PROFILE["vr_bank_2022"].text.encode()).postings[1]
    assert (vr.creditor_id, vr.mandate_reference, vr.counterparty_bic) == (
        "DE98ZZZ09999999999",
        "M-123",
        "BELADEBEXXX",
    )
    dkb_sample = BY_PROFILE["dkb"]
    dkb = read_statement(dkb_sample.text.encode(dkb_sample.encoding)).postings
    assert [p.status for p in dkb] == ["BOOK"] * 3
    assert (dkb[1].end_to_end_id, dkb[1].booking_text) == ("E2E-1", "Ausgang")
    for name in ("n26", "n26_2024"):
        n26 = read_statement(BY_PROFILE[name].text.encode()).postings[1]
        assert (n26.instructed_amount, n26.instructed_currency) == (Decimal("9.50"), "CHF")
    db_sample = BY_PROFILE["deutsche_bank_postbank"]
    db = read_statement(db_sample.text.encode(db_sample.encoding)).postings
    # the SEPA placeholder for "no end-to-end id" is none, as in CAMT and MT940
    assert db[0].end_to_end_id is None
    assert (db[1].creditor_id, db[1].mandate_reference, db[1].end_to_end_id) == (
        "DE98ZZZ09999999999",
        "M-123",
        "E2E-1",
    )
    assert (db[1].counterparty_bic, db[1].booking_text) == ("BELADEBEXXX", "SEPA Lastschrift")
    # d.m.yyyy without leading zeros; the value date may differ from the booking date
    assert [p.value_date for p in db] == [date(2026, 1, 2), date(2026, 1, 5), date(2026, 1, 5)]
    n26_2024 = read_statement(BY_PROFILE["n26_2024"].text.encode()).postings
    assert [p.value_date for p in n26_2024] == [date(2026, 1, 2), date(2026, 1, 5), None]


# --------------------------------------------------------------------------------------------
# Detection stays unambiguous


def _header_row(profile: bank_csv.CsvProfile) -> str:
    names = sorted(bank_csv._split_occurrence(c)[0] for c in _named_columns(profile))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=profile.delimiter, lineterminator="\n").writerow(names)
    return buffer.getvalue()


def _named_columns(profile: bank_csv.CsvProfile) -> list[str]:
    return [c for key in profile.columns for c in profile.mapped(key) if isinstance(c, str)]


@pytest.mark.parametrize("name", sorted(bank_csv.builtin_profiles()))
def test_a_header_of_exactly_one_profiles_columns_picks_that_profile(name: str) -> None:
    """Every built-in profile is reachable: its own columns (in any order) pick it, never a
    profile that needs fewer of them; two profiles with the same columns would fail here."""
    profile = bank_csv.builtin_profiles()[name]
    if not profile.header or profile.skip_rows is not None:
        pytest.skip("found by position, not by header")
    reader = bank_csv._Reader("x.csv", list(bank_csv.builtin_profiles().values()))
    chosen, index = reader._choose([_header_row(profile)])
    assert (chosen.name, index) == (name, 0)


def test_no_two_builtin_profiles_share_their_header_columns() -> None:
    seen: dict[tuple[str, frozenset[str]], str] = {}
    for name, profile in bank_csv.builtin_profiles().items():
        key = (profile.delimiter, frozenset(profile.header_names()))
        assert key not in seen, f"{name} and {seen[key]} have the same header columns"
        seen[key] = name


SAMPLE_PROFILES = {
    "csvimport_data_de_bbbank.csv": "vr_bank",
    "csvimport_data_de_dab.csv": "dab",
    "csvimport_data_de_gls.csv": "gls",
    "csvimport_data_de_postbank.csv": "postbank",
    "csvimport_data_de_sparkassernn.csv": "sparkasse",
    "csvimport_data_gb_lloyds.csv": "lloyds",
}


@pytest.mark.parametrize("file_name", sorted(SAMPLE_PROFILES))
def test_bank_samples_keep_their_profile(file_name: str, bank_samples: Path) -> None:
    path = bank_samples / "pretix-banktransfer" / file_name
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    assert read_statement(path).format == f"csv:{SAMPLE_PROFILES[file_name]}"


# --------------------------------------------------------------------------------------------
# Duplicate header names


def test_a_column_can_be_picked_by_its_occurrence() -> None:
    profile = bank_csv.load_profile(
        {
            "currency": "EUR",
            "columns": {"booking_date": "Datum", "amount": "Betrag#2", "currency": "Währung#-1"},
        }
    )
    data = "Datum;Betrag;Währung;Betrag;Währung\n01.02.2026;1,00;USD;2,50;CHF\n".encode()
    (posting,) = read_statement(data, profile=profile).postings
    assert (posting.amount, posting.currency) == (Decimal("2.50"), "CHF")
    single = "Datum;Betrag;Betrag;Währung\n01.02.2026;1,00;2,50;USD\n".encode()
    (posting,) = read_statement(single, profile=profile).postings
    assert (posting.amount, posting.currency) == (Decimal("2.50"), "USD")


def test_dkb_comma_separated_variant() -> None:
    sample = BY_PROFILE["dkb"]
    rows = [next(csv.reader([line], delimiter=";")) for line in sample.text.splitlines()]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=",", quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    statement = read_statement(buffer.getvalue().encode("utf-8-sig"))
    assert statement.format == "csv:dkb_comma"
    assert [p.amount for p in statement.postings] == [Decimal(e.amount) for e in sample.expected]
    assert {p.account_iban for p in statement.postings} == {ACCOUNT}


@pytest.mark.parametrize("column", ["Betrag#3", "Betrag#-3", "Betrag#-4"])
def test_a_missing_occurrence_is_a_statement_error(column: str) -> None:
    profile = bank_csv.load_profile(
        {"currency": "EUR", "columns": {"booking_date": "Datum", "amount": column}}
    )
    data = b"Datum;Betrag;Betrag\n01.02.2026;1,00;2,00\n"
    with pytest.raises(StatementError, match="is not in the header"):
        read_statement(data, profile=profile)


def test_a_header_name_that_really_ends_in_hash_number_is_found_as_written() -> None:
    profile = bank_csv.load_profile(
        {"currency": "EUR", "columns": {"booking_date": "Datum", "amount": "Konto#2"}}
    )
    data = b"Datum;Konto;Konto#2\n01.02.2026;1,00;7,00\n"
    (posting,) = read_statement(data, profile=profile).postings
    assert posting.amount == Decimal("7.00")


# --------------------------------------------------------------------------------------------
# Any amount written the bank's way reads back to the same Decimal


def _written(value: Decimal, decimal: str, thousands: str) -> str:
    text = f"{abs(value):,.2f}".replace(",", "\0").replace(".", decimal)
    text = text.replace("\0", thousands)
    return ("-" if value < 0 else "") + text


AMOUNT_CASES = {
    # profile: (sample whose first data row is rewritten, the cell that holds the amount)
    "vr_bank_2022": "1.234,56",
    "dkb": '"1.234,5"',
    "dkb_legacy": '"12.345,67"',
    "commerzbank": "1.234,56",
    "ing": ";1.234,56;",
    "comdirect": '"1.234,56"',
    "n26": '"1234.56"',
    "n26_de": '"1234.56"',
    "deutsche_bank_postbank": ";1.234,56;",  # the first is Betrag, the second Haben (not read)
    "n26_2024": ",1234.56,",
    "qonto": ",1234.56,",
    "qonto_fr": ";1\u00a0234,56;",
    "qonto_de": ";1.234,56;",
}


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(sorted(AMOUNT_CASES)),
    value=st.decimals(
        min_value=Decimal("-9999999.99"), max_value=Decimal("9999999.99"), places=2
    ).filter(lambda d: d != 0),
)
def test_amounts_written_the_banks_way_read_back(name: str, value: Decimal) -> None:
    sample = BY_PROFILE[name]
    profile = bank_csv.builtin_profiles()[name]
    cell = AMOUNT_CASES[name]
    written = _written(value, profile.decimal, profile.thousands)
    quote = '"' if cell.startswith('"') else ""
    edge = cell[0] if cell[0] in ";," else ""
    text = sample.text.replace(cell, f"{edge}{quote}{written}{quote}{edge}", 1)
    statement = read_statement(text.encode(sample.encoding))
    assert statement.postings[0].amount == value


DEBIT_CREDIT_CASES = {
    # profile: the credit row's cells from the (empty) debit column to the currency
    "deutsche_bank_en": ";;1,234.56;EUR",
    "deutsche_bank_legacy": ";;1.234,56;EUR",
}


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(sorted(DEBIT_CREDIT_CASES)),
    value=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2),
    debit=st.booleans(),
)
def test_debit_and_credit_columns_give_the_sign(name: str, value: Decimal, debit: bool) -> None:
    sample = BY_PROFILE[name]
    profile = bank_csv.builtin_profiles()[name]
    written = _written(value, profile.decimal, profile.thousands)
    cells = f"-{written};" if debit else f";{written}"
    text = sample.text.replace(DEBIT_CREDIT_CASES[name], f";{cells};EUR", 1)
    statement = read_statement(text.encode(sample.encoding))
    assert statement.postings[0].amount == (-value if debit else value)


# --------------------------------------------------------------------------------------------
# Qonto: user-chosen columns, rows that are no bookings


def test_qonto_keeps_settled_rows_with_their_ids_and_local_dates() -> None:
    statement = read_statement(BY_PROFILE["qonto"].text.encode())
    postings = statement.postings
    assert [p.bank_reference for p in postings] == ["qonto-tx-1", "qonto-tx-4", "qonto-tx-5"]
    assert [p.status for p in postings] == ["BOOK"] * 3
    assert [p.booking_text for p in postings] == ["transfer", "direct_debit", "card"]
    # settled 23:30 UTC on 4 January, 00:30 local time on the 5th
    assert postings[1].booking_date == date(2026, 1, 5)
    assert all(p.value_date is None for p in postings)
    assert (postings[2].instructed_amount, postings[2].instructed_currency) == (
        Decimal("9.50"),
        "CHF",
    )
    french = read_statement(BY_PROFILE["qonto_fr"].text.encode()).postings
    assert [p.bank_reference for p in french] == ["qonto-tx-1", "qonto-tx-3", "qonto-tx-4"]
    assert [p.booking_text for p in french] == ["Virement", "Prélèvement", "Carte"]


def test_qonto_reads_an_export_with_a_few_chosen_columns() -> None:
    """The header of a public import test: no settlement date, no IBANs, no transaction id."""
    header = (
        "Status,Operation date (local),Total amount (incl. VAT),Currency,Account name,"
        "Counterparty name,Reference,Note"
    )
    rows = [
        {
            "Status": "Settled",
            "Operation date (local)": "11-05-2026 12:20:39",
            "Total amount (incl. VAT)": "-11.20",
            "Currency": "EUR",
            "Account name": "Compte principal",
            "Counterparty name": "MISTER GARDEN",
            "Reference": "card-payment",
            "Note": "Team lunch",
        },
        {
            "Status": "Declined",
            "Operation date (local)": "12-05-2026 09:00:00",
            "Total amount (incl. VAT)": "-40.00",
            "Currency": "EUR",
            "Counterparty name": "MISTER GARDEN",
        },
    ]
    statement = read_statement(table(header, ",", rows).encode())
    assert statement.format == "csv:qonto"
    (posting,) = statement.postings
    assert (posting.booking_date, posting.amount, posting.remittance) == (
        date(2026, 5, 11),
        Decimal("-11.20"),
        "card-payment",
    )
    assert (posting.account_iban, posting.counterparty_iban, posting.bank_reference) == (
        None,
        None,
        None,
    )


def test_qonto_statuses_are_compared_without_case_and_iso_dates_are_read() -> None:
    """The other layout a (synthetic) public fixture shows: lower-case status, ISO date-time."""
    header = (
        "Status,Settlement date (UTC),Operation date (UTC),Total amount (incl. VAT),Currency,"
        "Counterparty name,Payment method,Transaction ID,IBAN,Reference"
    )
    text = (
        f"{header}\n"
        "settled,2026-01-12 10:00:00,2026-01-12 10:00:00,5000.00,EUR,Client Alpha,transfer,"
        "qt_002,BE71 0961 2345 6769,INV-2026-042\n"
        "pending,2026-01-20 12:00:00,,-200.00,EUR,Pending Vendor,transfer,qt_005,,\n"
    )
    (posting,) = read_statement(text.encode()).postings
    assert (posting.booking_date, posting.amount, posting.bank_reference) == (
        date(2026, 1, 12),
        Decimal("5000.00"),
        "qt_002",
    )


def test_qonto_german_statuses() -> None:
    header = (
        "Status;Abrechnungsdatum (UTC);Abrechnungstag (lokal);Gesamtbetrag (inkl. MwSt.);Währung;"
        "Name der Gegenpartei;IBAN der Gegenpartei;Konto-IBAN;Referenz;Transaktions-ID;Zahlungsart"
    )
    cells = {
        "Abrechnungstag (lokal)": "02-01-2026 09:15:00",
        "Gesamtbetrag (inkl. MwSt.)": "-12,50",
        "Name der Gegenpartei": "Bäckerei Öz",
        "Konto-IBAN": ACCOUNT,
    }
    rows = [
        {**cells, "Status": status, "Transaktions-ID": status}
        for status in ("Abgerechnet", "In Bearbeitung", "Abgelehnt", "Storniert")
    ]
    statement = read_statement(table(header, ";", rows).encode())
    assert statement.format == "csv:qonto_de"
    assert [(p.bank_reference, p.amount) for p in statement.postings] == [
        ("Abgerechnet", Decimal("-12.50"))
    ]


def test_a_status_the_profile_does_not_know_is_an_error() -> None:
    """No public source shows Qonto's French word for a declined payment: such a row must not
    pass as booked, nor be dropped unseen."""
    rows = [*QONTO_FR_ROWS, {**QONTO_FR_ROWS[0], "Statut": "Refusé"}]
    with pytest.raises(StatementError, match="Refusé") as error:
        read_statement(qonto_fr(rows).encode(), source_name="qonto.csv")
    assert (error.value.line, error.value.field) == (6, "status")


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u202f"])
def test_a_space_between_thousands_is_read(space: str) -> None:
    assert bank_csv.parse_number(f"-1{space}292,79", ",", "") == Decimal("-1292.79")


def test_a_file_without_bookings_is_a_statement_without_postings() -> None:
    # Rows that are no bookings (keep_statuses) or not wanted (statuses) leave a valid file
    # behind, as an MT942 of pending items only; a file without any row is an error.
    data = qonto_en(QONTO_ROWS[1:3]).encode()
    statement = read_statement(data)
    assert (statement.postings, statement.format) == ((), "csv:qonto")
    assert list(iter_statement(data)) == []
    assert read_statement(data, statuses=None).postings == ()  # keep_statuses still applies
    with pytest.raises(StatementError, match=r"no transactions found \(profile 'qonto'\)"):
        read_statement(qonto_en([]).encode(), profile="qonto")


QONTO_STATUSES = sorted(bank_csv.builtin_profiles()["qonto"].status_values)


@settings(max_examples=40, deadline=None)
@given(
    statuses=st.lists(
        st.tuples(st.sampled_from(QONTO_STATUSES), st.sampled_from([str.lower, str.upper, str])),
        min_size=1,
        max_size=8,
    )
)
def test_exactly_the_rows_whose_status_means_booked_become_postings(
    statuses: list[tuple[str, Any]],
) -> None:
    profile = bank_csv.builtin_profiles()["qonto"]
    rows = [
        {**QONTO_ROWS[0], "Status": spelling(status), "Transaction ID": f"tx-{i}"}
        for i, (status, spelling) in enumerate(statuses)
    ]
    last = {**QONTO_ROWS[0], "Transaction ID": "tx-last"}  # a file without bookings is an error
    postings = read_statement(qonto_en([*rows, last]).encode()).postings
    assert [p.bank_reference for p in postings] == [
        *(
            f"tx-{i}"
            for i, (status, _spelling) in enumerate(statuses)
            if profile.status_values[status] == "BOOK"
        ),
        "tx-last",
    ]


# --------------------------------------------------------------------------------------------
# Optional and fallback columns, keep_statuses (any profile)


def test_an_optional_column_may_be_missing_and_a_fallback_stands_in() -> None:
    profile = bank_csv.load_profile(
        {
            "currency": "EUR",
            "optional": ["remittance"],
            "columns": {"booking_date": "Valuta", "amount": "Betrag", "remittance": "Text"},
            "fallback": {"booking_date": ["Datum"]},
        }
    )
    (posting,) = read_statement(b"Datum;Betrag\n01.02.2026;1,00\n", profile=profile).postings
    assert (posting.booking_date, posting.remittance) == (date(2026, 2, 1), "")
    both = b"Datum;Valuta;Betrag;Text\n01.02.2026;03.02.2026;1,00;Miete\n"
    (posting,) = read_statement(both, profile=profile).postings
    assert (posting.booking_date, posting.remittance) == (date(2026, 2, 3), "Miete")
    with pytest.raises(StatementError, match="not in the first 40 lines"):
        read_statement(b"Tag;Betrag\n01.02.2026;1,00\n", profile=profile)
    at_line_1 = profile.model_copy(update={"skip_rows": 0})
    with pytest.raises(StatementError, match=r"'Valuta' or 'Datum' .* not in the header"):
        read_statement(b"Tag;Betrag\n01.02.2026;1,00\n", profile=at_line_1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"optional": ["booking_date"]}, "booking_date cannot be optional"),
        ({"optional": ["status"]}, "not in columns: status"),
        ({"fallback": {"remittance": ["Text"]}}, "not in columns: remittance"),
        ({"keep_statuses": ["BOOK"]}, "keep_statuses needs a status column"),
        (
            {"keep_statuses": ["BOOK"], "columns": {"status": "Status"}},
            "not BOOK",
        ),
    ],
)
def test_optional_fallback_and_keep_statuses_are_checked(
    changes: dict[str, Any], message: str
) -> None:
    data: dict[str, Any] = {
        "currency": "EUR",
        "columns": {"booking_date": "Datum", "amount": "Betrag"},
    }
    for key, value in changes.items():
        data[key] = {**data[key], **value} if key == "columns" else value
    with pytest.raises(StatementError, match=message):
        bank_csv.load_profile(data)
