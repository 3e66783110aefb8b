"""The run model: what one test found, in a form every report reads.

A TestRecord holds the problems (kind, message, connection, frame) and the figures that
a test's verdicts produced, and the path of its capture. The plugin sets it, as a plain
dict, as an attribute of the test's report: pytest-xdist serialises a report's extra
attributes, so it travels from the workers to the controller like the report itself.
The contract table, the JSON report and the JUnit properties are views of it, and none
of them reads a failure message's words.
"""

from dataclasses import asdict, dataclass, field

from wirecheck.checks._verdict import Problem

REPORT_ATTRIBUTE = "wirecheck"


@dataclass(frozen=True)
class ProblemRecord:
    kind: str
    message: str
    connection: str | None  # "client ip:port -> server ip:port"
    frame: int | None  # as Wireshark numbers it: from 1

    @classmethod
    def of(cls, problem: Problem) -> "ProblemRecord":
        connection = problem.connection
        where = (f"{connection.client[0]}:{connection.client[1]} -> {connection.server[0]}:{connection.server[1]}"
                 if connection is not None else None)
        return cls(problem.kind, problem.message, where, problem.segment.index + 1 if problem.segment else None)


@dataclass
class TestRecord:
    problems: list[ProblemRecord] = field(default_factory=list)
    figures: dict[str, float | int | str] = field(default_factory=dict)
    capture: str | None = None

    @property
    def kinds(self) -> list[str]:
        return [problem.kind for problem in self.problems]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TestRecord":
        return cls([ProblemRecord(**problem) for problem in data["problems"]], data["figures"], data["capture"])


def record_of(report: object) -> TestRecord | None:
    """The record a test report carries, if the test used the wire."""
    data = getattr(report, REPORT_ATTRIBUTE, None)
    return TestRecord.from_dict(data) if data is not None else None
