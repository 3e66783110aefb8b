"""--wire-html-report's page from the run model: each test's outcome over its phases, the contract table, and the
problem's frame (numbered from 1) drawn red on the capture's frame (indexed from 0)."""

import pytest
from crafted import SERVER_FIN, exchange

from wirecheck.capture import _pcapng_writer as pcapng
from wirecheck.plugin._html_run import HtmlRun
from wirecheck.plugin._results import REPORT_ATTRIBUTE, ProblemRecord
from wirecheck.plugin._results import TestRecord as Record  # a Test* name would be collected as a test class
from wirecheck.plugin._settings import OPTIONS, Settings
from wirecheck.render._html_page import render

FIN_LATE = ProblemRecord("server-fin-late", "expected the server FIN at +1.000 s, happened at +1.400 s",
                         "127.0.0.1:43210 -> 127.0.0.1:8080", SERVER_FIN + 1)


@pytest.fixture
def run(tmp_path) -> HtmlRun:
    values = {option.name: option.check(option.default) if option.default else "" for option in OPTIONS}
    settings = Settings.from_values({**values, "html_report": "report.html"}, tmp_path)
    return HtmlRun(settings, pytest.Config.InvocationParams(args=["tests"], plugins=None, dir=tmp_path))


def report(nodeid: str, when: str, outcome: str, record: Record | None = None, prop: str | None = None):
    made = pytest.TestReport(nodeid, ("x.py", 1, nodeid), {}, outcome, None, when,
                             user_properties=[("contract", prop)] if prop else [])
    if record is not None:
        setattr(made, REPORT_ATTRIBUTE, record.to_dict())
    return made


def phases(run: HtmlRun, nodeid: str, outcomes: tuple[str, str, str], record: Record | None = None,
           prop: str | None = None) -> None:
    for when, outcome in zip(("setup", "call", "teardown"), outcomes, strict=True):
        run.pytest_runtest_logreport(report(nodeid, when, outcome, record, prop))


def test_the_problems_frame_is_red_and_its_message_beside_it_on_the_captures_frame(run, tmp_path):
    capture = tmp_path / "captures" / "t.pcapng"
    pcapng.write(capture, exchange(), {})
    phases(run, "x.py::t", ("passed", "failed", "passed"), Record([FIN_LATE], {}, "captures/t.pcapng"))
    section, = run.page().sections
    assert section.failed == {SERVER_FIN} and section.marks == {SERVER_FIN: FIN_LATE.message}
    assert section.capture == capture and section.outcome == "failed"
    html = render(run.page(), tmp_path)
    assert f'class="frame failed" data-frame="{SERVER_FIN + 1}"' in html and "frame 6)" in section.message


def test_a_failed_setup_or_teardown_is_an_error_and_tests_without_the_wire_get_no_section(run):
    phases(run, "x.py::teardown_fails", ("passed", "passed", "failed"), Record())
    run.pytest_runtest_logreport(report("x.py::setup_fails", "setup", "failed", Record()))
    phases(run, "x.py::no_wire", ("passed", "passed", "passed"))
    page = run.page()
    assert page.columns[:2] == ["test", "outcome"]
    assert [row[:2] for row in page.rows] == [["x.py::no_wire", "passed"], ["x.py::setup_fails", "error"],
                                              ["x.py::teardown_fails", "error"]]
    assert sorted(section.title for section in page.sections) == ["setup_fails", "teardown_fails"]


def test_a_contract_run_shows_each_propertys_level_outcomes_kinds_and_figures_in_the_contracts_order(run):
    phases(run, "x.py::fin", ("passed", "failed", "passed"), Record([FIN_LATE], {"fin_delay": 1.4}), "fin-in-time")
    for abuse in ("a", "b"):
        phases(run, f"x.py::bad[{abuse}]", ("passed", "passed", "passed"), Record(), "bad-input")
    phases(run, "x.py::shake", ("passed", "passed", "passed"), Record(figures={"zombies": 0}), "handshake")
    page = run.page()
    assert page.columns == ["property", "level", "source", "outcome", "problems", "figures"]
    assert [(row[0], row[1], row[3], row[4], row[5]) for row in page.rows] == [
        ("1. three-way handshake", "MUST", "passed", "", "zombies 0"),
        ("3. closes with FIN, in time", "MUST", "failed", "server-fin-late", "fin_delay 1.400 s"),
        ("6. survives bad input", "MUST", "passed", "", "")]
    assert page.sections[0].title == "fin", "expected the failed test first"
