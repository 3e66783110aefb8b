"""The JSON Schema of --wire-json-report, as shipped in the package, takes a well-formed report and refuses each
kind of malformed one (tests/reports/test_json_report.py validates a real run's report)."""

import copy

import jsonschema
import pytest

from wirecheck.plugin._json_run import schema

PROBLEM = {"kind": "server-fin-late", "message": "expected the server FIN within 0.1 s, it came 0.3 s after it",
           "connection": "127.0.0.1:40000 -> 127.0.0.1:10001", "frame": 8}
TEST = {"nodeid": "tests/contract/test_contract.py::test_fin_in_time", "property": "fin-in-time", "level": "MUST",
        "outcome": "failed", "message": "expected the server FIN within 0.1 s", "duration": 0.5, "problems": [PROBLEM],
        "problem_kinds": ["server-fin-late"], "figures": {"fin_delay": 0.3, "zombies": 0, "first_closer": "server"},
        "capture": "captures/test_contract/test_fin_in_time.pcapng"}
REPORT = {"format": 1, "created": "2026-11-28T21:00:00+00:00", "exit_status": 1,
          "settings": {"timing_tolerance": 0.004, "timing_tolerance_percent": 12.5, "pcap_dir": "captures",
                       "server": "./srv --port {port}", "fin_within": 0.1},
          "summary": {"passed": 0, "failed": 1, "error": 0, "skipped": 0}, "tests": [TEST]}


def _validate(document: dict) -> None:
    jsonschema.validate(document, schema(), format_checker=jsonschema.FormatChecker())


def test_a_well_formed_report_validates():
    _validate(REPORT)


@pytest.mark.parametrize("path, value", [
    (("tests", 0, "outcome"), "maybe"),
    (("tests", 0, "level"), "MAY"),
    (("tests", 0, "problems", 0, "frame"), 0),
    (("tests", 0, "problems", 0, "kind"), "Late FIN"),
    (("tests", 0, "figures", "fin_delay"), [0.3]),
    (("created",), "yesterday"),
    (("format",), 2),
], ids=["outcome", "level", "frame-0", "kind", "figure-list", "created", "format"])
def test_a_report_with_a_bad_value_is_refused(path, value):
    document = copy.deepcopy(REPORT)
    *parents, last = path
    target = document
    for key in parents:
        target = target[key]
    target[last] = value
    with pytest.raises(jsonschema.ValidationError):
        _validate(document)


@pytest.mark.parametrize("field", sorted(TEST))
def test_a_test_without_one_of_its_fields_is_refused(field):
    document = copy.deepcopy(REPORT)
    del document["tests"][0][field]
    with pytest.raises(jsonschema.ValidationError):
        _validate(document)
