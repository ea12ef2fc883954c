"""What the calendar announces. Apps above ``policy`` connect receivers; ``policy`` imports none.

``calendar_changed``
    Sent inside the transaction that changed the working days: a year's arrangement imported
    (``hotline calendar-import``, ``calendar_import``) or an override added, changed or deleted
    in the administration. The cached calendar is already cleared, so ``calendar_current()``
    returns the new one. Arguments:

    - ``dates``: the dates whose override changed (a sorted list of ``datetime.date``);
    - ``source_document``: the document that decided it ("" for an edit by hand);
    - ``actor``: the user who made the change, or None (the command line).

    A receiver returns a dict of counts (e.g. ``{"deadlines_moved": 3}``) or None;
    ``calendar_import`` adds the counts to its result and to its audit entry. Receivers:
    ``hotline.tickets.receivers.deadlines_on_calendar_change`` (provisional deadlines, A28).
"""

from __future__ import annotations

from django.dispatch import Signal

calendar_changed = Signal()
