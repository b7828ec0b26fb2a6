"""The Reconciler: the façade users embed (docs/guide.md, "Embedding").

It ties together the Store (system of record), the matcher, the order lifecycle, the order
sources and a clock. Every public method commits what it changed before it returns; outside work
(write-backs, notifications) goes through the outbox and is carried out by :meth:`tick`.
"""

from __future__ import annotations

import logging
import os
import socket
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Text, cast, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, RowMapping

from paymatch.connectors import plugins
from paymatch.connectors.interfaces import (
    OrderProblem,
    OrderSource,
    StatusMapping,
)
from paymatch.connectors.utf16 import sniffable_head
from paymatch.core.clock import Clock, SystemClock
from paymatch.core.collector import HeapFreeze
from paymatch.core.config import MatchConfig
from paymatch.core.errors import ConfigError, InputError, PaymatchError, describe_failure
from paymatch.core.ledger import (
    LedgerBatch,
    LedgerWriter,
    order_payment_reference,
    order_row,
    stored_order,
    with_payment_reference,
)
from paymatch.core.matcher import Matcher
from paymatch.core.models import Decision, DecisionKind, Order, Posting, Statement
from paymatch.core.order_index import OrderEntry
from paymatch.core.outbox_worker import (
    Messenger,
    Notifier,
    OutboxWorker,
    notification_from_row,
)
from paymatch.core.ports import LifecyclePort, MatcherPort, MatchIndexPort
from paymatch.core.records import (
    ImportReport,
    MatchSummary,
    Notification,
    OrderEvent,
    ReviewItem,
    StoredAssignment,
    StoredOrder,
    StoredPosting,
    SyncReport,
    TickReport,
    candidate_view,
    evidence_json,
)
from paymatch.core.settings import AccountConfig, PaymatchConfig, Schedules, SourceConfig
from paymatch.core.store import Ledger, Store, bulk, reading
from paymatch.core.store import outbox as queue
from paymatch.core.store.codec import (
    load_order_document,
    minor,
    money,
    order_from_document,
    utc,
)
from paymatch.core.store.schema import (
    accounts,
    assignments,
    import_batches,
    jobs,
    notifications,
    order_events,
    orders,
    payer_history,
    postings,
    review_items,
    sources,
)
from paymatch.core.sync import SourceSync

_log = logging.getLogger(__name__)

MATCH_CHUNK = 2000
"""Postings matched per transaction: big enough to be fast, small enough to keep locks short."""
MATCH_STEP = 100
"""Postings matched, then applied, at a time within a chunk. A decision is dozens of small
objects; dropped after a hundred postings, most never reach the oldest generation of Python's
garbage collector, whose full collections cost seconds each once a million orders are indexed.
(The writes of the whole chunk still go to the database together, when it is flushed.)"""
_INDEX_BATCH = 500
"""Order rows fetched at a time while the match index is built. Small on purpose: rows that live
through a few hundred allocations are promoted to the oldest generation of Python's garbage
collector and bring on its full collections, which cost seconds once a million orders are
indexed. (On PostgreSQL: the size of the chunks the rows are streamed in.)"""


def _connector_class(name: str) -> type[OrderSource]:
    """The order-source connector registered as ``name`` (built-in or plugin)."""
    try:
        return plugins.order_source_class(name)
    except plugins.UnknownConnectorError as error:
        raise ConfigError(str(error), field="sources.connector") from None


class _IndexCache:
    """A match index of one scope (set of sources), refreshed by the ledger change counter."""

    __slots__ = ("index", "pks", "seq")

    def __init__(self, index: MatchIndexPort, pks: set[int], seq: int) -> None:
        self.index = index
        self.pks = pks
        self.seq = seq


class Reconciler:
    def __init__(
        self,
        store: Store,
        *,
        config: PaymatchConfig | None = None,
        sources: Mapping[str, OrderSource] | None = None,
        matcher: MatcherPort | None = None,
        lifecycle: LifecyclePort | None = None,
        clock: Clock | None = None,
        worker_id: str | None = None,
        notifiers: Sequence[Notifier] = (),
        messenger: Messenger | None = None,
    ) -> None:
        self.store = store
        self.config = config or PaymatchConfig()
        self.clock = clock or SystemClock()
        self.worker_id = (
            worker_id or self.config.worker.id or f"{socket.gethostname()}:{os.getpid()}"
        )
        self.matcher = matcher if matcher is not None else _default_matcher(self.config)
        self.lifecycle = lifecycle if lifecycle is not None else _default_lifecycle(self.config)
        self.schedules: Schedules = self.config.schedules
        self._source_configs: dict[str, SourceConfig] = dict(self.config.sources)
        self._connectors: dict[str, OrderSource] = {}
        for name, connector in (sources or {}).items():
            self._source_configs.setdefault(name, SourceConfig(connector=connector.PLUGIN_NAME))
            self._connectors[name] = self._with_overrides(name, connector)
        self._indexes: dict[frozenset[str] | None, _IndexCache] = {}
        self._stale_indexes = False
        self._heap = HeapFreeze()
        self.writer = LedgerWriter(self.lifecycle, self.schedules)
        self._register_configuration()
        self.sync_engine = SourceSync(
            store,
            self.writer,
            currencies=self._currencies(),
            tracked_states=self.lifecycle.tracked_states,
        )
        if messenger is None and self.config.notify:
            messenger = _default_messenger(self)
        self.messenger = messenger
        self.outbox_worker = OutboxWorker(
            store,
            worker=self.worker_id,
            schedules=self.schedules,
            connector=self.connector,
            mapping=self.mapping,
            notifiers=notifiers,
            messenger=messenger,
        )
        # A restarted worker holds no claims any more: give them back at once.
        queue.release(store, self.worker_id)

    @classmethod
    def from_config(
        cls,
        config: PaymatchConfig | str | Path,
        *,
        clock: Clock | None = None,
        sources: Mapping[str, OrderSource] | None = None,
        **options: Any,
    ) -> Reconciler:
        """Open the configured store and build everything the configuration describes."""
        if not isinstance(config, PaymatchConfig):
            from paymatch.core.settings import load_config  # noqa: PLC0415

            config = load_config(config)
        return cls(
            Store.open(config.store.url), config=config, clock=clock, sources=sources, **options
        )

    def close(self) -> None:
        self.store.close()

    # configuration ------------------------------------------------------------------------

    def _register_configuration(self) -> None:
        now = utc(self.clock.now())
        # Under the ledger lock: workers starting at once must not race to insert the rows.
        with self.store.ledger() as ledger:
            conn = ledger.conn
            for name, source in self._source_configs.items():
                values: dict[str, Any] = {
                    "connector": source.connector,
                    "settings": source.settings,
                    "mapping": source.mapping,
                }
                if conn.execute(select(sources.c.name).where(sources.c.name == name)).first():
                    conn.execute(update(sources).where(sources.c.name == name).values(values))
                else:
                    conn.execute(insert(sources).values(name=name, created_at=now, **values))
            for account in self.config.accounts:
                unknown = set(account.sources) - set(self._source_configs)
                if unknown:
                    raise ConfigError(
                        f"account {account.iban} serves unknown sources {sorted(unknown)}",
                        field="accounts.sources",
                    )
                values = {
                    "currency": account.currency,
                    "kind": account.kind,
                    "name": account.name,
                    "sources": account.sources,
                    "countries": account.countries,
                    "first_import": account.first_import,
                }
                if conn.execute(
                    select(accounts.c.iban).where(accounts.c.iban == account.iban)
                ).first():
                    conn.execute(
                        update(accounts).where(accounts.c.iban == account.iban).values(values)
                    )
                else:
                    conn.execute(
                        insert(accounts).values(iban=account.iban, created_at=now, **values)
                    )

    def _currencies(self) -> dict[str, set[str]]:
        """Per source, the currencies of the accounts that serve it (when accounts are set)."""
        if not self.config.accounts:
            return {}
        result: dict[str, set[str]] = {name: set() for name in self._source_configs}
        for account in self.config.accounts:
            for name in account.sources or list(self._source_configs):
                result[name].add(account.currency)
        return result

    def _account(self, iban: str | None) -> AccountConfig | None:
        for account in self.config.accounts:
            if account.iban == iban:
                return account
        return None

    def connector(self, name: str) -> OrderSource | None:
        """The connector of source ``name``, built from its settings on first use, with the
        configured mapping overrides in force."""
        if name not in self._connectors:
            source = self._source_configs.get(name)
            if source is None:
                return None
            connector = _connector_class(source.connector).from_settings(source.settings)
            self._connectors[name] = self._with_overrides(name, connector)
        return self._connectors[name]

    def _with_overrides(self, name: str, connector: OrderSource) -> OrderSource:
        """Put ``[sources.<name>.mapping]`` in force on the connector itself, so that what it
        lists as open and checks before a write agree with what paymatch decides."""
        overrides = self._source_configs[name].mapping
        if overrides:
            try:
                connector.mapping = connector.mapping.overridden_by(overrides)
            except ValueError as error:
                raise ConfigError(str(error), field=f"sources.{name}.mapping") from None
        return connector

    def mapping(self, name: str) -> StatusMapping:
        """The mapping in force for source ``name``: its connector's default with the overrides."""
        return self._require_source(name).mapping

    def _require_source(self, name: str) -> OrderSource:
        connector = self.connector(name)
        if connector is None:
            raise ConfigError(f"unknown source {name!r}", field="sources")
        return connector

    # sources ------------------------------------------------------------------------------

    def connect_sources(self) -> list[SyncReport]:
        return [self.connect_source(name) for name in self._source_configs]

    def connect_source(self, name: str) -> SyncReport:
        """First connection of a source (nothing happens for a connected one)."""
        connector = self._require_source(name)
        return self.sync_engine.connect(name, connector, self.mapping(name), self.clock.now())

    def receive_order(self, source: str, order: Order | OrderProblem) -> SyncReport:
        """Intake by push: a connector or webhook hands over a new or changed order."""
        self._require_source(source)
        return self.sync_engine.receive(
            source, self.mapping(source), [order], now=self.clock.now(), mode="push"
        )

    def receive_removal(self, source: str, order_id: str) -> SyncReport:
        """The source deleted an order: it becomes ``removed_externally``."""
        self._require_source(source)
        return self.sync_engine.removal(
            source, order_id, now=self.clock.now(), actor=f"source:{source}"
        )

    def sync(self, source: str, mode: str = "new", *, now: datetime | None = None) -> SyncReport:
        """Compare with the source: ``new``/``poll`` (changed since the cursor) or ``full``."""
        connector = self._require_source(source)
        now = now or self.clock.now()
        mapping = self.mapping(source)
        with self.store.reading() as conn:
            row = conn.execute(select(sources).where(sources.c.name == source)).mappings().one()
        if row["connected_at"] is None:
            return self.connect_source(source)
        if mode == "full":
            report = self.sync_engine.receive(
                source, mapping, connector.list_open_orders(), now=now, mode="full", complete=True
            )
            stamp = {"last_full_at": utc(now), "last_new_at": utc(now), "last_error": None}
        elif mode in ("new", "poll"):
            schedule = (
                self.config.source_schedule(source)
                if source in self.config.sources
                else self.schedules
            )
            since = (row["changed_cursor"] or row["connected_at"]) - schedule.changed_overlap
            since = utc(since).replace(tzinfo=UTC)  # connectors are handed aware times
            report = self.sync_engine.receive(
                source, mapping, connector.list_changed_since(since), now=now, mode=mode
            )
            stamp = {f"last_{mode}_at": utc(now), "changed_cursor": utc(now), "last_error": None}
        else:
            raise InputError(f"unknown sync mode {mode!r} (new, poll or full)")
        with self.store.transaction() as conn:
            conn.execute(update(sources).where(sources.c.name == source).values(stamp))
        return report

    def _scheduled_syncs(self, now: datetime) -> list[SyncReport]:
        reports: list[SyncReport] = []
        moment = utc(now)
        with self.store.reading() as conn:
            rows = {r["name"]: r for r in conn.execute(select(sources)).mappings()}
        for name, source in self._source_configs.items():
            row = rows.get(name)
            try:
                if row is None or row["connected_at"] is None:
                    reports.append(self.connect_source(name))
                    continue
                schedule = (
                    self.config.source_schedule(name)
                    if name in self.config.sources
                    else self.schedules
                )
                connector = self._require_source(name)
                push = source.push if source.push is not None else connector.PUSH
                if _due(row["last_full_at"], schedule.full, moment):
                    reports.append(self.sync(name, "full", now=now))
                elif _due(row["last_new_at"], schedule.new_orders, moment):
                    reports.append(self.sync(name, "new", now=now))
                elif (
                    not push
                    and source.send_payment_information
                    and _due(row["last_poll_at"], schedule.poll, moment)
                ):
                    reports.append(self.sync(name, "poll", now=now))
            except Exception as error:  # a plugin may raise anything; the other sources go on
                if not isinstance(error, PaymatchError):
                    _log.exception("scheduled sync of source %r failed", name)
                message = describe_failure(error)
                with self.store.transaction() as conn:
                    conn.execute(
                        update(sources)
                        .where(sources.c.name == name)
                        .values(last_error=message[:2000])
                    )
                reports.append(SyncReport(source=name, mode="scheduled", error=message))
        return reports

    # postings -----------------------------------------------------------------------------

    def import_statement(self, statement: Statement | str | Path) -> ImportReport:
        """Import a bank statement (a file in any supported format, or a parsed Statement)."""
        if not isinstance(statement, Statement):
            statement = _read_statement(Path(statement))
        return self.import_postings(
            statement.postings,
            account_iban=statement.account_iban,
            name=statement.source_name,
            format=statement.format,
            statement_id=statement.statement_id,
        )

    def import_postings(
        self,
        items: Iterable[Posting],
        *,
        account_iban: str | None = None,
        name: str = "<postings>",
        format: str | None = None,
        statement_id: str | None = None,
        keep_decisions: int = 10_000,
    ) -> ImportReport:
        """Store new postings (known ids are skipped) and match them. All or nothing.

        The report carries the decisions of the first ``keep_decisions`` postings matched.
        """
        now = self.clock.now()
        batch: list[Posting] = []
        seen: set[str] = set()
        duplicates = 0
        for item in items:
            if item.id in seen:
                duplicates += 1
                continue
            seen.add(item.id)
            posting = item
            if posting.account_iban is None and account_iban is not None:
                posting = posting.model_copy(update={"account_iban": account_iban})
            if self.config.accounts and self._account(posting.account_iban) is None:
                raise InputError(
                    f"posting {posting.id}: account {posting.account_iban} is not "
                    "configured (add it under [[accounts]])",
                    where=name,
                )
            batch.append(posting)
        with self.store.ledger() as ledger:
            conn = ledger.conn
            known: set[str] = set()
            ids = [p.id for p in batch]
            for start in range(0, len(ids), 5000):
                known.update(
                    conn.execute(
                        select(postings.c.id).where(
                            reading.key_in(conn, postings.c.id, ids[start : start + 5000])
                        )
                    ).scalars()
                )
            new = [p for p in batch if p.id not in known]
            duplicates += len(batch) - len(new)
            batch_id = conn.execute(
                insert(import_batches)
                .values(
                    account_iban=account_iban,
                    name=name,
                    format=format,
                    statement_id=statement_id,
                    new_count=len(new),
                    duplicate_count=duplicates,
                    imported_at=utc(now),
                )
                .returning(import_batches.c.id)
            ).scalar_one()
            first_import = self._first_import_accounts(conn, new, now)
            rows = [
                {
                    "id": p.id,
                    "batch_id": batch_id,
                    "account_iban": p.account_iban,
                    "booking_date": p.booking_date,
                    "currency": p.currency,
                    "amount_minor": minor(p.amount, p.currency),
                    "assigned_minor": 0,
                    "status": "no_assignment" if p.account_iban in first_import else "pending",
                    "data": p.model_dump(mode="json", exclude_none=True),
                    "imported_at": utc(now),
                }
                for p in new
            ]
            bulk.insert_rows(conn, postings, rows)
        # The postings just stored are matched as they are: no need to validate them again.
        summary = self._match_pending(now, keep_decisions, {p.id: p for p in new})
        counts = Counter(summary.counts)
        return ImportReport(
            batch_id=batch_id,
            name=name,
            new=len(new),
            duplicates=duplicates,
            assigned=counts["assigned"],
            partial=counts["partial"],
            suggested=counts["suggested"],
            unmatched=counts["unmatched"],
            ignored=counts["ignored"],
            no_assignment=sum(1 for r in rows if r["status"] == "no_assignment"),
            decisions=summary.decisions,
        )

    def _first_import_accounts(
        self, conn: Connection, new: list[Posting], now: datetime
    ) -> set[str]:
        """Accounts seen for the first time whose policy is "no assignment" on first import."""
        found: set[str] = set()
        for iban in {p.account_iban for p in new if p.account_iban}:
            account = self._account(iban)
            if account is None:
                continue
            first = conn.execute(
                update(accounts)
                .where(accounts.c.iban == iban, accounts.c.first_imported_at.is_(None))
                .values(first_imported_at=utc(now))
            ).rowcount
            if first and account.first_import == "no_assignment":
                found.add(iban)
        return found

    def match_pending(
        self, *, now: datetime | None = None, keep_decisions: int = 10_000
    ) -> MatchSummary:
        """Match every posting not decided yet (after an import, or after a crash)."""
        return self._match_pending(now or self.clock.now(), keep_decisions, {})

    def _match_pending(
        self, now: datetime, keep_decisions: int, known: Mapping[str, Posting]
    ) -> MatchSummary:
        counts: Counter[str] = Counter()
        decisions: list[Decision] = []
        total = 0
        # The match indexes live long and hold no cyclic garbage: while this job matches, the
        # collector's full passes leave them (and the rest of the heap of now) alone. Frozen again
        # before each chunk: matching keeps adding long-lived objects to the index (each
        # candidate's details), which the full passes would otherwise walk over and over.
        try:
            while True:
                try:
                    with self.store.ledger() as ledger:
                        rows = (
                            ledger.conn.execute(
                                select(postings)
                                .where(postings.c.status == "pending")
                                .order_by(postings.c.booking_date, postings.c.id)
                                .limit(MATCH_CHUNK)
                            )
                            .mappings()
                            .all()
                        )
                        if not rows:
                            break
                        if self._heap.holding:
                            self._heap.hold()
                        batch = self.writer.batch(ledger, now)
                        keep = max(keep_decisions - len(decisions), 0)
                        for status, decision in self._match_chunk(batch, rows, known, keep=keep):
                            counts[status] += 1
                            if decision is not None:
                                decisions.append(decision)
                        batch.flush()
                        total += len(rows)
                except BaseException:
                    self._indexes.clear()  # the indexes may hold what was rolled back
                    raise
                finally:
                    if self._stale_indexes:
                        self._indexes.clear()
                        self._stale_indexes = False
        finally:
            self._heap.release()
        return MatchSummary(postings=total, counts=dict(counts), decisions=decisions)

    def _match_chunk(
        self,
        batch: LedgerBatch,
        rows: Sequence[RowMapping],
        known: Mapping[str, Posting],
        *,
        keep: int,
    ) -> list[tuple[str, Decision | None]]:
        """Match the postings in ``rows`` in order and collect the writes in ``batch``."""
        results: list[tuple[str, Decision | None]] = []
        for start in range(0, len(rows), MATCH_STEP):
            part = rows[start : start + MATCH_STEP]
            results += self._match_step(batch, part, known, keep=keep - start)
        return results

    def _match_step(
        self,
        batch: LedgerBatch,
        rows: Sequence[RowMapping],
        known: Mapping[str, Posting],
        *,
        keep: int,
    ) -> list[tuple[str, Decision | None]]:
        matched: list[tuple[RowMapping, Posting, Decision]] = []
        for row in rows:
            posting = known.get(row["id"])
            if posting is None:
                posting = Posting.model_validate(row["data"])
            index = self._index(batch.ledger, self._scope(row["account_iban"]))
            matched.append((row, posting, index.match(posting)))
            batch.posting(row["id"], row)
        batch.load_orders(
            int(a.order_id) for _, _, decision in matched for a in decision.assignments
        )
        batch.load_labels(
            int(c.order_id) for _, _, decision in matched for c in decision.candidates
        )
        results: list[tuple[str, Decision | None]] = []
        for n, (row, posting, decision) in enumerate(matched):
            status = self._apply_decision(batch, row, posting, decision)
            results.append((status, self._external(batch, decision) if n < keep else None))
        return results

    def _external(self, batch: LedgerBatch, decision: Decision) -> Decision:
        """The decision with the sources' order ids instead of the store's keys.

        With more than one source configured the id is written ``source:order_id``.
        """
        if not decision.assignments and not decision.candidates:
            return decision
        several = len(self._source_configs) > 1

        def name(key: str) -> str:
            source, order_id, _number = batch.label(int(key))
            return f"{source}:{order_id}" if several else order_id

        return decision.model_copy(
            update={
                "assignments": tuple(
                    a.model_copy(update={"order_id": name(a.order_id)})
                    for a in decision.assignments
                ),
                "candidates": tuple(
                    c.model_copy(update={"order_id": name(c.order_id)}) for c in decision.candidates
                ),
            }
        )

    def _scope(self, iban: str | None) -> frozenset[str] | None:
        account = self._account(iban)
        if account is None or not account.sources:
            return None
        return frozenset(account.sources)

    def _index(self, ledger: Ledger, scope: frozenset[str] | None) -> MatchIndexPort:
        """The scope's match index, brought up to date with every committed order change."""
        conn = ledger.conn
        cache = self._indexes.get(scope)
        if cache is None:
            index, pks = self._build_index(conn, scope)
            cache = _IndexCache(index, pks, ledger.seq)
            self._indexes[scope] = cache
            self._heap.hold()
            return cache.index
        if not self._heap.holding:
            self._heap.hold()
        if cache.seq == ledger.seq:
            return cache.index  # same transaction: the index already holds its own changes
        query = select(orders).where(orders.c.seq > cache.seq)
        for row in conn.execute(query).mappings():
            if scope is not None and row["source"] not in scope:
                continue
            wanted = row["state"] in self.lifecycle.matchable_states and (
                row["amount_minor"] > row["paid_minor"]
            )
            pk = row["id"]
            if wanted and pk in cache.pks:
                cache.index.update(_match_order(row))
            elif wanted:
                cache.index.add(_match_order(row))
                cache.pks.add(pk)
            elif pk in cache.pks:
                cache.index.remove(str(pk))
                cache.pks.discard(pk)
        cache.seq = ledger.seq
        return cache.index

    def _build_index(
        self, conn: Connection, scope: frozenset[str] | None
    ) -> tuple[MatchIndexPort, set[int]]:
        """A match index over the scope's open orders, and the store keys it holds."""
        query = select(*_MATCH_COLUMNS).where(
            orders.c.state.in_(sorted(self.lifecycle.matchable_states)),
            orders.c.amount_minor > orders.c.paid_minor,
        )
        if scope is not None:
            query = query.where(orders.c.source.in_(sorted(scope)))
        history = self._history(conn, scope)
        pks: set[int] = set()
        # A batch at a time (streamed on PostgreSQL): a million orders are never held as rows
        # and as index entries at the same time.
        with reading.stream_rows(conn, query, _INDEX_BATCH) as rows:
            if isinstance(self.matcher, Matcher):
                # paymatch's own matcher takes entries built straight from the stored documents:
                # they were validated on the way in, and a pydantic Order per row would cost about
                # as much again as indexing it.
                def entries() -> Iterable[OrderEntry]:
                    for pk, currency, amount_minor, paid_minor, data in rows:
                        pks.add(pk)
                        document = load_order_document(data)
                        yield _match_entry(pk, currency, amount_minor, paid_minor, document)

                return self.matcher.index_entries(entries(), history=history), pks

            def stream() -> Iterable[Order]:
                for pk, currency, amount_minor, paid_minor, data in rows:
                    pks.add(pk)
                    yield _match_order(
                        {
                            "id": pk,
                            "currency": currency,
                            "amount_minor": amount_minor,
                            "paid_minor": paid_minor,
                            "data": load_order_document(data),
                        }
                    )

            return self.matcher.index(stream(), history=history), pks

    def _history(self, conn: Connection, scope: frozenset[str] | None) -> dict[str, list[str]]:
        query = select(payer_history.c.iban, payer_history.c.customer_number)
        if scope is not None:
            query = query.where(payer_history.c.source.in_(sorted(scope)))
        history: dict[str, list[str]] = {}
        for iban, customer in conn.execute(query):
            history.setdefault(iban, []).append(customer)
        return history

    def _apply_decision(
        self, batch: LedgerBatch, row: RowMapping, posting: Posting, decision: Decision
    ) -> str:
        posting_id = row["id"]
        if decision.decision is DecisionKind.ASSIGNED and decision.assignments:
            shares = {share.order_id for share in decision.assignments}
            evidence = {
                c.order_id: evidence_json(c.evidence)
                for c in decision.candidates
                if c.order_id in shares  # the others are not kept with an assignment
            }
            keys = [int(share.order_id) for share in decision.assignments]
            point = batch.checkpoint(keys, [posting_id])
            try:
                for share in decision.assignments:
                    batch.assign(
                        posting_id,
                        int(share.order_id),
                        minor(share.amount, posting.currency),
                        method="auto",
                        evidence=evidence.get(share.order_id, []),
                        by="paymatch",
                        note=decision.reason,
                    )
            except PaymatchError as error:
                # The lifecycle refused (e.g. the order cannot take a payment in its state): a
                # person decides. The index applied the assignment already, so rebuild it, but
                # only once the chunk is committed: built now, it would miss the chunk's writes
                # that are not flushed yet. Until then the index counts the order as paid by
                # the refused share, which can only keep it from being assigned, never more.
                batch.rollback(point)
                self._stale_indexes = True
                self._to_review(
                    batch, posting_id, decision, f"automatic assignment refused: {error}"
                )
                return "suggested"
            return str(batch.posting(posting_id)["status"])
        if decision.decision is DecisionKind.SUGGESTED:
            self._to_review(batch, posting_id, decision, decision.reason)
            return "suggested"
        status = "ignored" if decision.decision is DecisionKind.IGNORED else "unmatched"
        batch.decide(posting_id, status, decision.reason)
        return status

    def _to_review(
        self, batch: LedgerBatch, posting_id: str, decision: Decision, reason: str | None
    ) -> None:
        candidates = []
        for candidate in decision.candidates:
            source, order_id, number = batch.label(int(candidate.order_id))
            view = candidate_view(candidate, source, order_id, number)
            candidates.append(view.model_dump(mode="json"))
        batch.review(posting_id, candidates, reason)

    # manual work --------------------------------------------------------------------------

    def assign(
        self,
        posting_id: str,
        order_id: str,
        amount: Decimal | str | None = None,
        *,
        source: str | None = None,
        by: str,
        note: str | None = None,
    ) -> StoredAssignment:
        """Assign (part of) a posting to an order by hand, with the same effects as the matcher.

        ``amount`` defaults to the posting's unassigned rest, or the order's open amount when
        that is smaller.
        """
        now = self.clock.now()
        with self.store.ledger() as ledger:
            conn = ledger.conn
            posting = self._posting_row(conn, posting_id)
            pk = self._order_pk(conn, order_id, source)
            order = order_row(conn, pk)
            if posting["amount_minor"] <= 0:
                raise InputError(f"posting {posting_id} is a debit; it cannot pay an order")
            if posting["currency"] != order["currency"]:
                raise InputError(
                    f"posting {posting_id} is in {posting['currency']}, order "
                    f"{order_id} in {order['currency']}"
                )
            rest = posting["amount_minor"] - posting["assigned_minor"]
            if amount is None:
                open_minor = order["amount_minor"] - order["paid_minor"]
                units = min(rest, open_minor) if open_minor > 0 else rest
            else:
                units = minor(Decimal(str(amount)), posting["currency"])
            if units <= 0 or units > rest:
                raise InputError(
                    f"cannot assign {money(units, posting['currency'])} of posting {posting_id}:"
                    f" {money(rest, posting['currency'])} of it is unassigned"
                )
            batch = self.writer.batch(ledger, now)
            batch.posting(posting_id, posting)
            batch.assign(posting_id, pk, units, method="manual", evidence=[], by=by, note=note)
            batch.resolve_review(posting_id, "assigned", by)
            batch.flush()
            created = conn.execute(
                select(func.max(assignments.c.id)).where(assignments.c.posting_id == posting_id)
            ).scalar_one()
            return self._assignment(conn, created)

    def unassign(
        self,
        posting_id: str,
        order_id: str | None = None,
        *,
        source: str | None = None,
        by: str,
        reason: str,
    ) -> list[StoredAssignment]:
        """Reverse the posting's active assignments (to one order, or all); kept as audit."""
        now = self.clock.now()
        with self.store.ledger() as ledger:
            conn = ledger.conn
            self._posting_row(conn, posting_id)
            query = select(assignments).where(
                assignments.c.posting_id == posting_id, assignments.c.unassigned_at.is_(None)
            )
            if order_id is not None:
                query = query.where(
                    assignments.c.order_pk == self._order_pk(conn, order_id, source)
                )
            rows = conn.execute(query.order_by(assignments.c.id)).mappings().all()
            if not rows:
                raise InputError(
                    f"posting {posting_id} has no active assignment"
                    + (f" to order {order_id}" if order_id else "")
                )
            batch = self.writer.batch(ledger, now)
            for row in rows:
                batch.unassign(row, by=by, reason=reason)
            batch.flush()
            return [self._assignment(conn, row["id"]) for row in rows]

    def ignore(self, posting_id: str, *, by: str, reason: str) -> StoredPosting:
        """Mark a posting as paying no order (a refund, a fee, a private transfer, ...)."""
        now = self.clock.now()
        with self.store.ledger() as ledger:
            conn = ledger.conn
            posting = self._posting_row(conn, posting_id)
            if posting["assigned_minor"]:
                raise InputError(f"posting {posting_id} is assigned; unassign it first")
            batch = self.writer.batch(ledger, now)
            batch.posting(posting_id, posting)
            batch.decide(posting_id, "ignored", f"ignored by {by}: {reason}")
            batch.resolve_review(posting_id, "ignored", by)
            batch.flush()
            return _stored_posting(self._posting_row(conn, posting_id))

    def _posting_row(self, conn: Connection, posting_id: str) -> RowMapping:
        row = conn.execute(select(postings).where(postings.c.id == posting_id)).mappings().first()
        if row is None:
            raise InputError(f"unknown posting {posting_id!r}")
        return row

    def _order_pk(self, conn: Connection, order_id: str, source: str | None) -> int:
        query = select(orders.c.id, orders.c.source).where(orders.c.order_id == order_id)
        if source is not None:
            query = query.where(orders.c.source == source)
        found = conn.execute(query).all()
        if not found:
            raise InputError(
                f"unknown order {order_id!r}" + (f" of source {source!r}" if source else "")
            )
        if len(found) > 1:
            names = ", ".join(sorted(r[1] for r in found))
            raise InputError(
                f"order id {order_id!r} exists in several sources ({names}); say which with source="
            )
        return int(found[0][0])

    # time ---------------------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> TickReport:
        """Run what is due at ``now``: source schedules, pending matching, lifecycle deadlines,
        the outbox (write-backs, notifications)."""
        now = now or self.clock.now()
        syncs = self._scheduled_syncs(now)
        matched = self.match_pending(now=now).postings
        due = self._due_events(now)
        if self.messenger is not None:
            self.messenger.queue_due(now)
        outcomes = self.outbox_worker.run(now)
        with self.store.transaction() as conn:
            _touch_job(conn, "tick", now)
        return TickReport(
            at=now, syncs=syncs, matched=matched, due_events=due, outbox=dict(outcomes)
        )

    def _due_events(self, now: datetime, *, chunk: int = 500) -> int:
        """Apply the lifecycle's time-based events of every order whose time has come."""
        applied = 0
        done: set[int] = set()
        while True:
            with self.store.ledger() as ledger:
                query = select(orders).where(orders.c.next_due_at <= utc(now))
                if done:
                    query = query.where(orders.c.id.not_in(sorted(done)))
                rows = (
                    ledger.conn.execute(
                        query.order_by(orders.c.next_due_at, orders.c.id).limit(chunk)
                    )
                    .mappings()
                    .all()
                )
                if not rows:
                    return applied
                batch = self.writer.batch(ledger, now)
                for row in rows:
                    done.add(row["id"])
                    batch.orders[row["id"]] = dict(row)
                    steps = self.lifecycle.apply_due(
                        row["lifecycle"], source=row["source"], now=now
                    )
                    for event, step in steps:
                        batch.record(row["id"], event, step, actor="paymatch", details={})
                        applied += 1
                batch.flush()

    # queries ------------------------------------------------------------------------------

    def order(self, order_id: str, *, source: str | None = None) -> StoredOrder:
        with self.store.reading() as conn:
            return _stored_order(order_row(conn, self._order_pk(conn, order_id, source)))

    def orders(self, *, state: str | None = None, source: str | None = None) -> list[StoredOrder]:
        query = select(orders).order_by(orders.c.id)
        if state is not None:
            query = query.where(orders.c.state == state)
        if source is not None:
            query = query.where(orders.c.source == source)
        with self.store.reading() as conn:
            return [_stored_order(r) for r in conn.execute(query).mappings()]

    def posting(self, posting_id: str) -> StoredPosting:
        with self.store.reading() as conn:
            return _stored_posting(self._posting_row(conn, posting_id))

    def postings(self, *, status: str | None = None) -> list[StoredPosting]:
        query = select(postings).order_by(postings.c.booking_date, postings.c.id)
        if status is not None:
            query = query.where(postings.c.status == status)
        with self.store.reading() as conn:
            return [_stored_posting(r) for r in conn.execute(query).mappings()]

    def assignments(
        self, *, posting_id: str | None = None, include_unassigned: bool = True
    ) -> list[StoredAssignment]:
        query = select(assignments.c.id).order_by(assignments.c.id)
        if posting_id is not None:
            query = query.where(assignments.c.posting_id == posting_id)
        if not include_unassigned:
            query = query.where(assignments.c.unassigned_at.is_(None))
        with self.store.reading() as conn:
            return [self._assignment(conn, i) for i in conn.execute(query).scalars()]

    def _assignment(self, conn: Connection, assignment_id: int) -> StoredAssignment:
        row = (
            conn.execute(
                select(assignments, orders.c.source, orders.c.order_id)
                .select_from(assignments.join(orders))
                .where(assignments.c.id == assignment_id)
            )
            .mappings()
            .one()
        )
        return StoredAssignment(
            id=row["id"],
            posting_id=row["posting_id"],
            source=row["source"],
            order_id=row["order_id"],
            currency=row["currency"],
            amount=money(row["amount_minor"], row["currency"]),
            method=row["method"],
            evidence=row["evidence"],
            note=row["note"],
            created_at=row["created_at"],
            created_by=row["created_by"],
            unassigned_at=row["unassigned_at"],
            unassigned_by=row["unassigned_by"],
            unassign_reason=row["unassign_reason"],
        )

    def history(self, order_id: str, *, source: str | None = None) -> list[OrderEvent]:
        """The order's event history, oldest first."""
        with self.store.reading() as conn:
            pk = self._order_pk(conn, order_id, source)
            rows = conn.execute(
                select(order_events)
                .where(order_events.c.order_pk == pk)
                .order_by(order_events.c.id)
            ).mappings()
            return [
                OrderEvent(
                    at=r["at"],
                    event=r["event"],
                    state_before=r["state_before"],
                    state_after=r["state_after"],
                    actor=r["actor"],
                    details=r["details"],
                )
                for r in rows
            ]

    def review_queue(self) -> list[ReviewItem]:
        """Postings waiting for a person, oldest first."""
        with self.store.reading() as conn:
            rows = conn.execute(
                select(review_items, postings.c.data)
                .select_from(review_items.join(postings))
                .where(review_items.c.resolved_at.is_(None))
                .order_by(review_items.c.id)
            ).mappings()
            return [
                ReviewItem(
                    id=r["id"],
                    posting=Posting.model_validate(r["data"]),
                    candidates=r["candidates"],
                    reason=r["reason"],
                    created_at=r["created_at"],
                )
                for r in rows
            ]

    def notifications(self, *, recipient: str | None = None) -> list[Notification]:
        query = (
            select(notifications, orders.c.source, orders.c.order_id)
            .select_from(notifications.outerjoin(orders))
            .order_by(notifications.c.id)
        )
        if recipient is not None:
            query = query.where(notifications.c.recipient == recipient)
        with self.store.reading() as conn:
            return [notification_from_row(r) for r in conn.execute(query).mappings()]

    def outbox(self, *, status: str | None = None) -> list[queue.OutboxItem]:
        with self.store.reading() as conn:
            return queue.items(conn, status=status)


# helpers -------------------------------------------------------------------------------------


def _touch_job(conn: Connection, name: str, now: datetime) -> None:
    """Record when a job last ran (an upsert: workers may race for the first run)."""
    dialect: Any = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect(jobs).values(name=name, last_run_at=utc(now))
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["name"], set_={"last_run_at": statement.excluded.last_run_at}
        )
    )


def _due(last: datetime | None, interval: timedelta, now: datetime) -> bool:
    return last is None or now - last >= interval


_MATCH_COLUMNS = (
    orders.c.id,
    orders.c.currency,
    orders.c.amount_minor,
    orders.c.paid_minor,
    cast(orders.c.data, Text).label("data"),  # read by load_order_document: faster
)


def _match_order(row: Mapping[Any, Any]) -> Order:
    """The order as the matcher sees it: keyed by the store's id, with what is still open."""
    open_minor = max(row["amount_minor"] - row["paid_minor"], 0)
    data = dict(with_payment_reference(row["data"], row["id"]))
    data["id"] = str(row["id"])
    data["open_amount"] = str(money(open_minor, row["currency"]))
    return order_from_document(data)


def _match_entry(
    pk: int, currency: str, amount_minor: int, paid_minor: int, data: dict[str, Any]
) -> OrderEntry:
    """What :func:`_match_order` gives the matcher, without building the ``Order``."""
    amount = money(amount_minor, currency)
    # most open orders have no payment yet: their open amount is the amount
    open_ = amount if paid_minor == 0 else money(max(amount_minor - paid_minor, 0), currency)
    entry = OrderEntry.from_json(data, id=str(pk), amount=amount, open=open_)
    entry.payment_reference = order_payment_reference(data, pk)
    return entry


def _stored_order(row: RowMapping) -> StoredOrder:
    return StoredOrder(
        source=row["source"],
        order_id=row["order_id"],
        order=stored_order(row),
        state=row["state"],
        dunning_level=row["dunning_level"],
        currency=row["currency"],
        amount=money(row["amount_minor"], row["currency"]),
        paid=money(row["paid_minor"], row["currency"]),
        first_seen_at=row["first_seen_at"],
        updated_at=row["updated_at"],
        state_changed_at=row["state_changed_at"],
    )


def _stored_posting(row: RowMapping) -> StoredPosting:
    return StoredPosting(
        posting=Posting.model_validate(row["data"]),
        status=row["status"],
        assigned=money(row["assigned_minor"], row["currency"]),
        reason=row["reason"],
        batch_id=row["batch_id"],
    )


def _read_statement(path: Path) -> Statement:
    """Read a bank statement file in whichever installed format recognises it."""
    try:
        with path.open("rb") as stream:
            head = stream.read(65536)
    except OSError as error:
        raise InputError(error.strerror or str(error), where=str(path)) from None
    head = sniffable_head(head)  # every sniff sees UTF-16 text as UTF-8, as in detect_format
    for bank_format in plugins.bank_formats():
        if bank_format.sniff(head):
            statement: Statement = bank_format.read(path)
            # Booked postings only (the formats' default; again here for a plugin format that
            # ignores it): a pending one may never be booked, or come again under another id.
            booked = tuple(p for p in statement.postings if p.booked)
            if len(booked) < len(statement.postings):
                statement = statement.model_copy(update={"postings": booked})
            return statement
    names = ", ".join(f.PLUGIN_NAME for f in plugins.bank_formats()) or "none installed"
    raise InputError(f"not a bank statement format paymatch reads ({names})", where=str(path))


def _default_matcher(config: PaymatchConfig) -> MatcherPort:
    match_config = MatchConfig.from_mapping(config.match, where="match") if config.match else None
    matcher: MatcherPort = Matcher.with_plugins(match_config)
    return matcher


def _default_messenger(reconciler: Reconciler) -> Messenger:
    """paymatch's own messages (``[notify]``): rendered from templates, delivered by the plugin
    hook or the configured sender (docs/notifications.md)."""
    from paymatch.notify.worker import StoreMessenger  # noqa: PLC0415 - notify builds on core

    return StoreMessenger.from_config(
        reconciler.store,
        reconciler.config,
        connectors={name: source.connector for name, source in reconciler._source_configs.items()},
        payment_information_sources=[
            name
            for name, source in reconciler._source_configs.items()
            if source.send_payment_information
        ],
        now=reconciler.clock.now(),
    )


def _default_lifecycle(config: PaymatchConfig) -> LifecyclePort:
    import importlib  # noqa: PLC0415

    try:
        module: Any = importlib.import_module("paymatch.core.lifecycle_adapter")
    except ImportError:
        raise ConfigError("paymatch's order lifecycle is not available; pass lifecycle=") from None
    lifecycle: LifecyclePort = module.StoreLifecycle(config.policy)
    return lifecycle


__all__ = ["OrderProblem", "Reconciler"]
