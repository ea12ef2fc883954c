"""The per-action endpoints come from one table (issue 21 item 5): each row is an explicit
OpenAPI operation with its path, operationId, input schema and the roles that may take it."""

from __future__ import annotations

import json

import pytest

from hotline.api import api
from hotline.tickets.api import TICKET_ACTIONS
from hotline.tickets.transitions import RULES

CONTRACT_PATHS = {
    "reject", "answer", "defer", "review", "dispatch", "sign", "contact", "return", "redispatch",
    "explain", "escalate", "reply", "callback", "redo", "close", "transfer", "reopen", "archive",
}  # fmt: skip


@pytest.fixture(scope="module")
def spec():
    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


def test_the_table_declares_every_contract_action_once():
    paths = [row.path for row in TICKET_ACTIONS]
    assert len(paths) == len(set(paths))
    assert set(paths) >= CONTRACT_PATHS


@pytest.mark.parametrize("row", TICKET_ACTIONS, ids=lambda row: row.path)
def test_each_row_is_an_explicit_operation(row, spec):
    operation = spec["paths"][f"/api/v1/tickets/{{number}}/{row.path}"]["post"]
    slug = row.path.replace("/", "_").replace("-", "_")
    assert operation["operationId"] == f"hotline_tickets_api_ticket_{slug}"
    assert operation["summary"] == row.summary
    assert [p["name"] for p in operation["parameters"]] == ["number"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TicketOut"
    }
    assert row.body is not None
    body = operation["requestBody"]
    assert body["required"] is row.body_required
    assert f"#/components/schemas/{row.body.__name__}" in str(body["content"])
    roles = {role for rule in RULES if rule.action == row.permission for role in rule.roles}
    assert roles and all(role in operation["description"] for role in roles)
