"""What a running bot counts for Prometheus (served at ``/metrics`` by ``bot.app.health``).

Each bot has a registry of its own, not prometheus-client's global one, so two bots in
one process (tests, benchmarks) never share a series. Every label takes its values from
a closed set — an update's kind, an outcome, a purpose, an exception's class — and never
a name, a Telegram id or anything anyone wrote.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import event
from sqlalchemy.engine import Dialect, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

# A handler answers in milliseconds; a slow one waits on the database or the Bot API.
HANDLER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# A prompt goes out within seconds of its time; after a restart, up to the grace window.
PROMPT_DELAY_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 6 * 3600.0, 24 * 3600.0)

# How a send to the Bot API ended.
SEND_OUTCOMES = ("sent", "429", "403", "400", "5xx", "timeout", "network", "error")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.updates = Counter(
            "frizon_updates_handled",
            "Updates handled, by kind (message, callback_query, …) and outcome",
            ["kind", "outcome"],
            registry=registry,
        )
        self.handler_seconds = Histogram(
            "frizon_handler_seconds",
            "Seconds to handle one update",
            buckets=HANDLER_BUCKETS,
            registry=registry,
        )
        self.sends = Counter(
            "frizon_sends",
            "Messages (or parts of one) sent from the outbox, by outcome",
            ["outcome"],
            registry=registry,
        )
        for outcome in SEND_OUTCOMES:  # every series exists from the start, at 0
            self.sends.labels(outcome)
        self.prompt_delay = Histogram(
            "frizon_prompt_due_to_sent_seconds",
            "Seconds from a prompt's due time to its sending",
            buckets=PROMPT_DELAY_BUCKETS,
            registry=registry,
        )
        self.outbox = Gauge(
            "frizon_outbox_depth",
            "Deliveries waiting in the outbox, by purpose and state (due, later, sending),"
            " as counted at the scrape",
            ["purpose", "state"],
            registry=registry,
        )
        self.leader = Gauge(
            "frizon_leader",
            "1 while this instance leads (runs the sender and the periodic jobs), else 0",
            registry=registry,
        )
        self.database_errors = Counter(
            "frizon_database_errors",
            "Errors the database raised, by exception class",
            ["error"],
            registry=registry,
        )
        self.bot_api_answer = Gauge(
            "frizon_bot_api_last_answer_timestamp_seconds",
            "When the Bot API last answered a request (Unix time)",
            registry=registry,
        )
        self._bot_api_answered: float | None = None  # monotonic

    def bot_api_answered(self) -> None:
        """The Bot API answered a request just now."""
        self._bot_api_answered = time.monotonic()
        self.bot_api_answer.set_to_current_time()

    def since_bot_api_answered(self) -> float | None:
        """Seconds since the Bot API last answered; None if it never has."""
        if self._bot_api_answered is None:
            return None
        return time.monotonic() - self._bot_api_answered

    def set_outbox_depth(self, counts: Iterable[tuple[str, str, int]]) -> None:
        """Replace the outbox's series with (purpose, state, count) as counted now."""
        self.outbox.clear()  # a purpose whose queue emptied must not linger at its old count
        for purpose, state, count in counts:
            self.outbox.labels(purpose, state).set(count)

    def exposition(self) -> bytes:
        """Prometheus's text format."""
        return generate_latest(self.registry)

    def watch_database(self, engine: AsyncEngine) -> Callable[[], None]:
        """Count every error the engine's database raises, from connecting to committing;
        returns what stops counting."""
        sync_engine = engine.sync_engine

        def count(error: BaseException) -> None:
            self.database_errors.labels(type(error).__name__).inc()

        def failed(context: ExceptionContext) -> None:
            count(context.original_exception)

        def connecting(
            dialect: Dialect, record: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]
        ) -> Any:
            # A refused connection is the driver's OSError, not an error of the DB-API:
            # handle_error never sees it.
            try:
                return dialect.connect(*cargs, **cparams)
            except dialect.loaded_dbapi.Error:
                raise  # handle_error counts these
            except Exception as error:
                count(error)
                raise

        event.listen(sync_engine, "handle_error", failed)
        event.listen(sync_engine, "do_connect", connecting)

        def stop() -> None:
            event.remove(sync_engine, "handle_error", failed)
            event.remove(sync_engine, "do_connect", connecting)

        return stop
