from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ChineseByDefaultMiddleware:
    """Ignore the browser's Accept-Language: the UI is Simplified Chinese unless a user picks
    another language in the menu (stored in the language cookie).

    Centre PCs often run English-language browsers; staff must still get the Chinese UI.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
