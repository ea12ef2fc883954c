"""Open311 GeoReport v2: every endpoint's answers validate against the published schemas."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema_rs
import pytest
from django.core.management import call_command
from django.test import Client

from hotline.tickets.models import Ticket
from tests.channels.conftest import reply_ticket
from tests.factories import AreaFactory

#: The GeoReport v2 schemas (a copy of the published ones, kept with the tests).
SCHEMAS = Path(__file__).parent / "georeport_v2_schemas"


def _validator(name: str):
    schema = json.loads((SCHEMAS / name).read_text())
    registry = jsonschema_rs.Registry(
        [
            (f"file:///{item}", json.loads((SCHEMAS / item).read_text()))
            for item in ("request.json", "service.json")
        ]
    )
    return jsonschema_rs.validator_for(
        {**schema, "$id": f"file:///{name}"}, registry=registry, validate_formats=True
    )


def _valid(name: str, data) -> None:
    errors = [e.message for e in _validator(name).iter_errors(data)]
    assert not errors, errors


@pytest.fixture
def api_key(centre, capsys) -> str:
    call_command("open311", "key", "create", "fixmystreet")
    return capsys.readouterr().out.strip().splitlines()[-1]


def _post(client: Client, key: str, **extra: str):
    data = {
        "api_key": key,
        "service_code": "complaint",
        "description": "人行道井盖缺失，存在安全隐患",
        "address_string": "新桥路 8 号",
        "lat": "22.54",
        "long": "114.05",
        "phone": "13900002222",
        "attribute[area]": "YX01",
    }
    data.update(extra)
    return client.post("/open311/v2/requests.json", data)


@pytest.mark.req("INTAKE-2")
def test_an_open311_client_posts_and_reads_requests_with_valid_answers(
    api_key, agent, unit, unit_officer
):
    """INTAKE-2: a request through Open311 is a ticket with channel open311, handled as any."""
    AreaFactory(code="YX01", name="东门街道")
    client = Client()
    response = _post(client, api_key)
    assert response.status_code == 200, response.content
    created = response.json()
    number = created[0]["service_request_id"]
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == "open311" and ticket.area.code == "YX01"

    one = client.get(f"/open311/v2/requests/{number}.json").json()
    _valid("requests.json", one)
    assert one[0]["status"] == "open" and one[0]["status_notes"] is None

    reply_ticket(ticket, agent=agent, unit=unit, officer=unit_officer, text="已补装井盖。")
    listing = client.get("/open311/v2/requests.json", {"service_code": "complaint"}).json()
    _valid("requests.json", listing)
    assert listing[0]["status_notes"] == "已补装井盖。"
    assert client.get("/open311/v2/requests.json", {"status": "closed"}).json() == []
    by_id = client.get("/open311/v2/requests.json", {"service_request_id": number}).json()
    assert [r["service_request_id"] for r in by_id] == [number]
    token = client.get(f"/open311/v2/tokens/{created[0]['token']}.json").json()
    assert token == [{"service_request_id": number, "token": created[0]["token"]}]
    window = client.get(
        "/open311/v2/requests.json",
        {"start_date": "2000-01-01T00:00:00Z", "end_date": "2000-02-01T00:00:00Z"},
    ).json()
    assert window == []


def test_services_and_definitions_validate(centre):
    AreaFactory(code="YX01", name="东门街道")
    client = Client()
    services = client.get("/open311/v2/services.json").json()
    _valid("services.json", services)
    assert {s["service_code"] for s in services} >= {"complaint", "consultation"}
    definition = client.get("/open311/v2/services/complaint.json").json()
    _valid("service-definition.json", definition)
    assert definition["attributes"][0]["values"] == [{"key": "YX01", "name": "东门街道"}]
    assert client.get("/open311/v2/discovery.json").json()["endpoints"][0]["type"] == "production"


def test_xml_is_served_too(api_key):
    client = Client()
    _post(client, api_key, **{"attribute[area]": ""})
    for path in ("services.xml", "requests.xml", "discovery.xml", "services/help.xml"):
        response = client.get(f"/open311/v2/{path}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/xml")
        ET.fromstring(  # noqa: S314  (our own answer)
            response.content
        )
    root = ET.fromstring(  # noqa: S314  (our own answer)
        client.get("/open311/v2/requests.xml").content
    )
    assert root.tag == "service_requests" and root[0].tag == "request"


def test_bad_keys_and_input_are_refused(api_key):
    client = Client()
    assert _post(client, "o311_bad_key").status_code == 401
    assert _post(client, api_key, service_code="nope").status_code == 404
    assert _post(client, api_key, description="").status_code == 400
    assert _post(client, api_key, description="x\x00y").status_code == 400
    assert _post(client, api_key, description="长" * 5000).status_code == 400
    assert _post(client, api_key, lat="north").status_code == 400
    response = client.get("/open311/v2/requests.json", {"start_date": "yesterday"})
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
    assert client.get("/open311/v2/requests/20991231-000001.json").status_code == 404
    assert not Ticket.objects.exists()


def test_the_key_command_prints_the_key_alone_on_the_last_line(centre, capsys):
    call_command("open311", "key", "create", "mark-a-spot")
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("o311_") and " " not in last
