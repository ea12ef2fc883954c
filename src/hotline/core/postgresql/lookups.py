"""``__in`` with a long list of values on PostgreSQL: one array parameter, not one each."""

from __future__ import annotations

from typing import Any

from django.db.models import lookups

#: Lists longer than this are sent as one array (``= ANY(%s)``).
ARRAY_FROM = 1_000


class In(lookups.In):
    """Django's ``in`` lookup; on PostgreSQL a long list of plain values is compared with
    ``= ANY(%s)`` (one array parameter), which stays within the 65,535 parameters a
    statement may carry under server-side binding."""

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        if not self.rhs_is_direct_value() or len(self.rhs) <= ARRAY_FROM:
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _rhs, rhs_params = self.process_rhs(compiler, connection)  # None dropped, deduplicated
        return f"{lhs} = ANY(%s)", (*lhs_params, list(rhs_params))
