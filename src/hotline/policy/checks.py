from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from hotline.policy.profiles import ProfileError, load_profile


@register()
def active_profile_loads(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Refuse to start with a HOTLINE_PROFILE that does not exist or does not validate."""
    try:
        load_profile(settings.HOTLINE_PROFILE)
    except ProfileError as exc:
        return [Error(f"HOTLINE_PROFILE={settings.HOTLINE_PROFILE!r}: {exc}", id="hotline.E001")]
    return []
