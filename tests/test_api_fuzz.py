"""Schema-driven fuzz of the whole API (issue 11): Schemathesis generates requests from
``/api/openapi.json`` for every operation, valid ones and invalid ones, and sends them to a live
test server with an agent's token and a unit handler's token.

No answer may be a 5xx, and every answer must be documented: its status, its content type and
its body's schema. Bounded by ``FUZZ_EXAMPLES`` per operation, mode and token (a few thousand
requests in all on PostgreSQL); ``HOTLINE_FUZZ_EXAMPLES=100`` makes a longer run.

Each request opens its own connection: with keep-alive, Nagle's algorithm and delayed ACKs
cost the live server 40 ms a request.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from requests import Request
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hotline.accounts.models import ApiToken
from hotline.tickets import services as tickets
from tests.factories import AreaFactory

#: Requests per operation, generation mode and token: 15 on PostgreSQL (production: about
#: 2,500 requests, a minute or two), 5 on SQLite (a quick pass; its fuller run is PostgreSQL's).
FUZZ_EXAMPLES = int(
    os.environ.get(
        "HOTLINE_FUZZ_EXAMPLES",
        "15" if os.environ.get("HOTLINE_DATABASE_URL", "").startswith("postgres") else "5",
    )
)
#: The longest request line (path and query string) the web server passes on: gunicorn's
#: ``limit_request_line``. Longer URLs are refused by the server itself (400, or 414 from the
#: test server), never reaching the application, so the fuzz leaves them out.
REQUEST_LINE_MAX = 4094
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

pytestmark = pytest.mark.fuzz


@pytest.fixture
def known(transactional_db, agent, unit) -> dict[str, str]:
    """Path parameters that name real rows: a dispatched ticket and its unit.

    Operations on ``/tickets/{number}`` get this ticket's number rather than a random one (that
    would only ever be a 404), so the generated bodies reach the services."""
    AreaFactory(code="A-FUZZ", name="测试社区")
    ticket = tickets.ticket_register(
        actor=agent,
        channel="phone",
        category="complaint",
        content="小区旁工地夜间施工噪音扰民",
        citizen_phone="13900001111",
        citizen_name="王女士",
    )
    tickets.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    return {"number": ticket.number, "code": unit.code}


@pytest.fixture
def tokens(transactional_db, agent, unit_officer) -> dict[str, str]:
    """The two callers: the centre's agent and the ticket's unit handler."""
    return {
        persona: ApiToken.issue(user=user, name="fuzz")[1]
        for persona, user in {"agent": agent, "unit_handler": unit_officer}.items()
    }


def _run(
    operation: Any,
    mode: GenerationMode,
    persona: str,
    token: str,
    base_url: str,
    known: dict[str, str],
    failures: list[str],
) -> int:
    """Send ``FUZZ_EXAMPLES`` generated requests to ``operation``; return how many were sent."""
    headers = {"Authorization": f"Bearer {token}"}
    sent = 0
    names = re.findall(r"{(\w+)}", operation.path)
    path = {name: known[name] for name in names if name in known}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path or None)

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def fuzz(case: Any) -> None:
        nonlocal sent
        kwargs = case.as_transport_kwargs(base_url=base_url, headers=headers)
        url = Request("GET", kwargs["url"], params=kwargs.get("params")).prepare().url or ""
        # The web server refuses a longer request line before the application sees it.
        assume(len(url) - len(base_url) <= REQUEST_LINE_MAX)
        sent += 1
        response = case.call(base_url=base_url, headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # a failed check: record it, go on
            failures.append(
                f"{operation.label} [{mode.value}, {persona}] {response.status_code}: "
                f"{str(exc)[:800]}"
            )

    fuzz()
    return sent


def test_the_api_answers_every_generated_request_as_documented(live_server, known, tokens):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json")
    failures: list[str] = []
    calls = 0
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for persona, token in tokens.items():
                calls += _run(operation, mode, persona, token, live_server.url, known, failures)
    elapsed = time.monotonic() - started
    print(f"\nfuzz: {calls} requests over {len(operations)} operations in {elapsed:.1f} s")
    assert not failures, f"{len(failures)} of {calls} failed:\n" + "\n\n".join(failures[:15])
