"""The backend's classes (Django looks for ``base.DatabaseWrapper``); see the package."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.backends.postgresql import base, features, operations

#: PostgreSQL's limit of parameters in one statement (a 16-bit count in the protocol).
MAX_PARAMS = 65_535


class DatabaseFeatures(features.DatabaseFeatures):
    max_query_params = MAX_PARAMS


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields: Iterable[Any], objs: Sequence[Any]) -> int:
        """Return how many rows one INSERT (or DELETE batch) may carry: as many as keep its
        parameters within PostgreSQL's limit."""
        width = len(list(fields))
        if not width:
            return len(objs)
        return max(1, min(len(objs), MAX_PARAMS // width))


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    ops_class = DatabaseOperations
