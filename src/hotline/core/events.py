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
    delivery.
    """

    def __init__(
        self,
        name: str,
        *,
        code: Callable[[E], str],
        key: Callable[[E], int | None],
        at: Callable[[E], datetime],
        load: Callable[[int], E],
    ) -> None:
        if name in _channels:
            raise ValueError(f"event channel {name!r} declared twice")
        self.name = name
        self._code = code
        self._key = key
        self._at = at
        self._load = load
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
    ) -> None:
        """Register ``handler`` as ``name`` (stable, e.g. ``"stats.daily_counts"``).

        A transaction handler takes a list of events, an outbox handler one event. Registering
        the same name again with the same handler does nothing (``ready`` may run twice).
        """
        if mode not in MODES:
            raise ValueError(f"unknown delivery mode {mode!r}")
        wanted = frozenset(codes) if codes is not None else None
        subscriber = Subscriber(name=name, handler=handler, codes=wanted, mode=mode)
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

    def deliver(self, subscriber: str, event_id: int) -> None:
        """Call outbox subscriber ``subscriber`` with event ``event_id`` (the worker's side)."""
        found = self._subscribers.get(subscriber)
        if found is None or found.mode != "outbox":
            raise LookupError(f"no outbox subscriber {subscriber!r} on {self.name!r}")
        found.handler(self._load(event_id))
