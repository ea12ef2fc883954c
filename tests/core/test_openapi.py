"""The OpenAPI document tells the truth (issue 11): one name per schema, and each operation
lists the error answers it may give, shaped as ``ErrorOut``."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from ninja import Schema

from hotline.api import api


@pytest.fixture(scope="module")
def spec():
    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_no_two_schemas_share_a_name():
    """Two classes of one name become one OpenAPI schema and one of them is wrong (the ticket's
    ``UnitRef`` used to replace the one of ``/api/v1/me``)."""
    names = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("hotline."):
            names[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    assert {name: where for name, where in names.items() if len(where) > 1} == {}


def test_me_documents_its_own_unit(spec):
    me = spec["components"]["schemas"]["MeOut"]["properties"]["unit"]["anyOf"][0]["$ref"]
    unit = spec["components"]["schemas"][me.rsplit("/", 1)[1]]
    assert set(unit["properties"]) == {"code", "name"}


def test_every_operation_documents_its_errors(spec):
    assert set(spec["components"]["schemas"]["ErrorOut"]["required"]) == {"code", "message"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            statuses = {s for s, answer in operation["responses"].items() if s.startswith("4")}
            expected = {"400"}
            if operation.get("security"):
                expected |= {"401", "403"}
            if "{" in path:
                expected.add("404")
            if method == "post" and path.startswith("/api/v1/tickets/"):
                expected.add("409")
            assert statuses >= expected, (method, path)
            for status in statuses:
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)
