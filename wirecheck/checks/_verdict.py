"""What a check or a claim found: problems with a kind, notes on frames, measured figures.

A Problem names its kind (wirecheck.checks._kinds), says in words what was expected against
what happened, and points at the connection and the frame that broke the expectation,
so that it can be drawn (the ladder marks that frame) and annotated in the capture.
Notes are what a check saw on the frames it looked at; they become packet comments.
Figures are the numbers a check measured (a FIN delay, a zombie count), for profiles.
"""

from dataclasses import dataclass, field

from wirecheck.checks._kinds import check_kind
from wirecheck.model._flows import Connection
from wirecheck.model._frames import Segment


@dataclass(frozen=True)
class Problem:
    kind: str
    message: str
    segment: Segment | None = None
    connection: Connection | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        check_kind(self.kind)


@dataclass
class Verdict:
    """The outcome of one check (about `connection`) or one claim (about several; each problem says which)."""

    connection: Connection | None = None
    notes: list[tuple[Segment, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    figures: dict[str, float | int | str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def kinds(self) -> list[str]:
        return [problem.kind for problem in self.problems]

    def note(self, segment: Segment | None, text: str) -> None:
        if segment is not None:
            self.notes.append((segment, text))

    def problem(self, kind: str, message: str, segment: Segment | None = None,
                connection: Connection | None = None) -> None:
        self.problems.append(Problem(kind, message, segment, connection or self.connection))

    def figure(self, name: str, value: float | int | str) -> None:
        self.figures[name] = value

    def extend(self, other: "Verdict") -> "Verdict":
        self.notes += other.notes
        self.problems += other.problems
        self.figures.update(other.figures)
        return self
