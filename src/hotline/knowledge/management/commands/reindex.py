"""``hotline reindex``: rebuild the knowledge-base search index from the database."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from hotline.knowledge.indexing import index_rebuild


class Command(BaseCommand):
    help = "Rebuild the knowledge-base search index (embeddings come from the cache)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        count = index_rebuild()
        self.stdout.write(f"Indexed {count} articles in {time.monotonic() - started:.1f} s.")
