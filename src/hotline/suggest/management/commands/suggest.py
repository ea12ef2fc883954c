"""``hotline suggest train [--from-file PATH] [--limit N]``: retrain the dispatch suggestion.

From the centre's dispatched tickets; with ``--from-file`` (the Teddy Cup 2020 C directory or
its ``fj2_detail_pool_reconstructed.csv``) the categories are learned from its messages.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Dispatch suggestion: retrain the model from the history (and a file)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="retrain from the dispatched tickets")
        train.add_argument("--from-file", dest="from_file", default=None)
        train.add_argument("--limit", type=int, default=None, help="at most N file examples")

    def handle(self, *args: Any, **options: Any) -> None:
        from hotline.suggest.services import suggest_train

        limit = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1")
        try:
            result = suggest_train(from_file=options["from_file"], file_limit=limit)
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {exc}") from None
        self.stdout.write(json.dumps(result.summary, ensure_ascii=False))
