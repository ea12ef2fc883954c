"""Published events: an app announces what happened; the apps that care subscribe.

An app that emits events declares one :class:`Channel` for them (``tickets.events`` for the
ticket timeline, ``knowledge.events`` for the article history) and sends every event through
its ``publish`` in the transaction that made it. Apps higher up subscribe in their
``AppConfig.ready``, so the emitting app never imports them (docs/architecture.md):

- ``mode="transaction"``: the handler runs at once, inside the publishing transaction, with the
  list of matching events that one ``publish`` carried (one action, or one sweep batch). Use it
  for what must be consistent with the change (a counter, an order opened by a trigger, an
  outbox row): a rollback undoes the handler's writes too, and a failing handler fails the
  action.
- ``mode="outbox"``: the publishing transaction only writes one outbox row per event and
  subscriber; the worker delivers it later, at least once, retrying failures with backoff, and
  calls the handler with one event. Use it for what may run later (rollups, index updates,
  messages to other systems). The outbox lives in ``hotline.notifications``, which plugs itself
  in with :func:`outbox_backend_set`; it records each (subscriber, event) it has handled, so a
  repeated delivery does not call the handler twice. A handler with effects outside the
  database must still be idempotent, keyed by the event's id: a crash between the effect and
  the commit means one more delivery.
- ``mode="outbox", batch=True``: as ``outbox``, but the handler takes a list of events: the
  worker claims up to ``BATCH`` of the subscriber's due deliveries at once and hands them over
  in one transaction (a failing batch is retried one event at a time, so one bad event cannot
  hold back the others). For handlers that merge work, e.g. recompute each touched row once.

Publishing costs nothing when nobody subscribed: no query, one dictionary lookup per event.
See docs/events.md for the channels, the event codes and their payloads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

E = TypeVar("E")

Mode = Literal["transaction", "outbox"]
MODES: tuple[Mode, ...] = ("transaction", "outbox")
#: The most events one delivery hands a batch subscriber.
BATCH = 500


@dataclass(frozen=True)
class Delivery:
    """One event owed to one outbox subscriber (what the outbox stores)."""

    channel: str
    subscriber: str
    event_id: int
    code: str
    at: datetime


@dataclass(frozen=True)
class Subscriber:
    """A registered handler: its stable name, the codes it wants and how it is delivered."""

    name: str
    handler: Callable[[Any], None]
    codes: frozenset[str] | None  # None: every code of the channel
    mode: Mode
    batch: bool = False  # outbox only: the handler takes a list of events

    def wants(self, code: str) -> bool:
        return self.codes is None or code in self.codes


#: The outbox writer (set by ``hotline.notifications`` when it is installed).
_outbox: Callable[[list[Delivery]], None] | None = None
#: Every channel by name, for the outbox's delivery.
_channels: dict[str, Channel[Any]] = {}


def outbox_backend_set(enqueue: Callable[[list[Delivery]], None] | None) -> None:
    """Name the function that stores outbox deliveries in the publishing transaction."""
    global _outbox  # one backend per process, set by an AppConfig
    _outbox = enqueue


def channels() -> list[Channel[Any]]:
    """Return every declared channel (the outbox looks for batch subscribers)."""
    return list(_channels.values())


def channel_get(name: str) -> Channel[Any]:
    """Return the channel called ``name``; raise ``LookupError`` if no app declared it."""
    try:
        return _channels[name]
    except KeyError:
        raise LookupError(f"no event channel {name!r}") from None


class Channel(Generic[E]):
    """The events of one emitting app, and the subscribers registered for them.

    ``code`` reads an event's dotted code, ``key`` its id (unique in the channel, stable: the
    outbox stores it), ``at`` its time, and ``load`` fetches an event again by id for an outbox
    delivery; ``load_many`` (optional) fetches several in one go for a batch subscriber and
    returns those it found, in any order.
    """

    def __init__(
        self,
        name: str,
        *,
        code: Callable[[E], str],
        key: Callable[[E], int | None],
        at: Callable[[E], datetime],
        load: Callable[[int], E],
        load_many: Callable[[list[int]], list[E]] | None = None,
    ) -> None:
        if name in _channels:
            raise ValueError(f"event channel {name!r} declared twice")
        self.name = name
        self._code = code
        self._key = key
        self._at = at
        self._load = load
        self._load_many = load_many
        self._subscribers: dict[str, Subscriber] = {}
        self._routes: dict[str, tuple[Subscriber, ...]] = {}
        _channels[name] = self

    def subscribe(
        self,
        name: str,
        handler: Callable[[Any], None],
        *,
        codes: Iterable[str] | None = None,
        mode: Mode = "transaction",
        batch: bool = False,
    ) -> None:
        """Register ``handler`` as ``name`` (stable, e.g. ``"stats.daily_counts"``).

        A transaction handler takes a list of events, an outbox handler one event, or a list of
        events with ``batch=True``. Registering the same name again with the same handler does
        nothing (``ready`` may run twice).
        """
        if mode not in MODES:
            raise ValueError(f"unknown delivery mode {mode!r}")
        if batch and mode != "outbox":
            raise ValueError("batch delivery is for outbox subscribers")
        wanted = frozenset(codes) if codes is not None else None
        subscriber = Subscriber(name=name, handler=handler, codes=wanted, mode=mode, batch=batch)
        known = self._subscribers.get(name)
        if known is not None:
            if known == subscriber:
                return
            raise ValueError(f"subscriber {name!r} registered twice on {self.name!r}")
        self._subscribers[name] = subscriber
        self._routes.clear()

    def unsubscribe(self, name: str) -> None:
        """Remove the subscriber ``name`` (tests use it)."""
        self._subscribers.pop(name, None)
        self._routes.clear()

    def subscribers(self) -> list[Subscriber]:
        """Return the registered subscribers, in registration order."""
        return list(self._subscribers.values())

    def _route(self, code: str) -> tuple[Subscriber, ...]:
        route = self._routes.get(code)
        if route is None:
            route = tuple(s for s in self._subscribers.values() if s.wants(code))
            self._routes[code] = route
        return route

    def publish(self, events: Sequence[E]) -> None:
        """Hand ``events`` (already saved) to the subscribers; call it in their transaction."""
        if not self._subscribers:
            return
        batches: dict[str, tuple[Subscriber, list[E]]] = {}
        deliveries: list[Delivery] = []
        for event in events:
            code = self._code(event)
            for subscriber in self._route(code):
                if subscriber.mode == "transaction":
                    batches.setdefault(subscriber.name, (subscriber, []))[1].append(event)
                    continue
                event_id = self._key(event)
                if event_id is None:
                    raise ValueError(f"{self.name} event {code!r} has no id: save it first")
                deliveries.append(
                    Delivery(self.name, subscriber.name, event_id, code, self._at(event))
                )
        for subscriber, batch in batches.values():
            subscriber.handler(batch)
        if deliveries:
            if _outbox is None:
                raise RuntimeError("outbox subscribers need hotline.notifications installed")
            _outbox(deliveries)

    def _outbox_subscriber(self, subscriber: str) -> Subscriber:
        found = self._subscribers.get(subscriber)
        if found is None or found.mode != "outbox":
            raise LookupError(f"no outbox subscriber {subscriber!r} on {self.name!r}")
        return found

    def deliver(self, subscriber: str, event_id: int) -> None:
        """Call outbox subscriber ``subscriber`` with event ``event_id`` (the worker's side)."""
        found = self._outbox_subscriber(subscriber)
        event = self._load(event_id)
        found.handler([event] if found.batch else event)

    def deliver_many(self, subscriber: str, event_ids: list[int]) -> None:
        """Call batch subscriber ``subscriber`` once with the events ``event_ids``."""
        found = self._outbox_subscriber(subscriber)
        if not found.batch:
            raise LookupError(f"{subscriber!r} on {self.name!r} takes one event at a time")
        if self._load_many is not None:
            events = self._load_many(event_ids)
        else:
            events = [self._load(i) for i in event_ids]
        if len(events) != len(set(event_ids)):
            raise LookupError(f"{self.name}: some of events {event_ids} are gone")
        found.handler(events)

    def batch_subscribers(self) -> list[str]:
        """Return the names of the outbox subscribers that take their events in batches."""
        return [s.name for s in self._subscribers.values() if s.mode == "outbox" and s.batch]
