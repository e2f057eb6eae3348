"""Schemathesis hooks for test/api/conformance.test.ts (loaded through SCHEMATHESIS_HOOKS).

Each operation is called with the token of a demo user whose role it admits (`x-roles` in
/openapi.json). Values that name things the API must look up (a case and its task, a cursor, a
jurisdiction, a caseworker, an ID number's check digit) are swapped for ones that exist, so that
requests reach past "no such case" into the handlers; Schemathesis re-validates what a hook
changes, so a case stays positive or negative by what is finally sent. Each Idempotency-Key is
made unique per request body, since the same key with another body is refused (422) by design.
"""

import hashlib
import json
import os
from datetime import datetime, timedelta, timezone

import schemathesis

TOKENS = json.loads(os.environ["CONFORMANCE_TOKENS"])  # role -> bearer token
KNOWN = json.loads(os.environ["CONFORMANCE_KNOWN"])  # see the test: path, query (by path or "*"), body

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(value):
    """The same shape with a real birth date and a matching check digit (GB 11643-1999)."""
    first17 = value[:6] + "19880315" + value[14:17]
    return first17 + "10X98765432"[sum(w * int(c) for w, c in zip(WEIGHTS, first17)) % 11]


def parsed(value):
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def instant(days):
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


# What has happened is dated now; what is announced, ahead; a found absence, behind (api.md
# "Time bounds": within the case's own dates, which a random instant almost never is).
TIMES = {
    "occurredAt": -0.001,
    "releaseAt": 30,
    "from": {"leave_notice": 1, "absence_found": -3},
    "until": {"leave_notice": 5, "absence_found": -1, None: 400},
}


def known_times(body):
    for key, days in TIMES.items():
        if isinstance(body.get(key), str):
            kind = body.get("type") if isinstance(body.get("type"), str) else None
            days = days.get(kind, days.get(None)) if isinstance(days, dict) else days
            if days is not None:
                body[key] = instant(days)
    return body


def known_body(value):
    if isinstance(value, list):
        return [known_body(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key == "idNumber" and isinstance(item, str) and len(item) == 18 and item[:17].isdigit():
            out[key] = id_number(item)
        elif key == "birthDate" and "idNumber" in value and isinstance(item, str):
            out[key] = "1988-03-15"
        elif key in KNOWN["body"] and isinstance(item, str):
            out[key] = KNOWN["body"][key]
        else:
            out[key] = known_body(item)
    return out


@schemathesis.serializer("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def file_serializer(ctx, value):
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def import_csv(seed):
    """A file the import takes: one police-ordered row in the known jurisdiction (R25)."""
    digits = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:18]
    row = ["某某", id_number("320508" + digits[6:]), "community_detox", "某路 1 号",
           KNOWN["body"]["jurisdiction"], instant(-10)[:10]]
    return "name,idNumber,measure,residenceAddress,jurisdiction,decidedAt\r\n" + ",".join(row) + "\r\n"


@schemathesis.auth()
class TokenOfAFittingRole:
    def get(self, case, ctx):
        return TOKENS

    def set(self, case, data, ctx):
        roles = case.operation.definition.raw.get("x-roles") or []
        role = next((r for r in roles if r in data), None)
        if role is not None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data[role]}"}


@schemathesis.hook
def map_case(ctx, case):
    # Deterministic, since Hypothesis replays a case: an id whose first character is below "c"
    # becomes the known one; the others stay random and answer 404.
    # Only a case's path names the known case: an import's id (a link from POST /v1/imports in the
    # stateful phase) must stay the one the API returned.
    if case.path_parameters and case.path.startswith("/v1/cases/"):
        for name, known in KNOWN["path"].items():
            value = case.path_parameters.get(name)
            if isinstance(value, str) and value[:1] < "c":
                case.path_parameters[name] = known
    if case.query:
        for name, known in {**KNOWN["query"]["*"], **KNOWN["query"].get(case.path, {})}.items():
            if isinstance(case.query.get(name), str):
                case.query[name] = known
        # A range runs forwards ("from must be before to", 400 date_range_invalid).
        start, end = parsed(case.query.get("from")), parsed(case.query.get("to"))
        if start and end and start >= end:
            case.query["from"], case.query["to"] = instant(-30), instant(0)
    if isinstance(case.body, dict):
        case.body = known_times(known_body(case.body))
    if case.path == "/v1/imports" and case.method.upper() == "POST":
        # A file upload: whatever was generated, send a well-formed import (its checks: imports.test.ts).
        case.media_type = "text/csv"
        case.body = import_csv(json.dumps([case.query, repr(case.body)], default=str))
    key = (case.headers or {}).get("idempotency-key")
    if isinstance(key, str) and 0 < len(key) <= 200 and all(0x21 <= ord(c) <= 0x7E for c in key):
        digest = hashlib.sha256(json.dumps([case.path, case.path_parameters, case.body], default=str).encode()).hexdigest()[:16]
        case.headers["idempotency-key"] = f"{key}-{digest}"[-200:]
    return case
