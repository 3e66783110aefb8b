"""A run's measured profile: per contract property, its outcome and its figures, as JSON.

The figures come from the run model (wirecheck.plugin._results): each test records what its verdicts
measured, by name. A property may have several tests (a parametrized one has one per case), so
each figure is summed up over them by its type, which says how it is read:

- a timing (float seconds): median and max of the samples;
- a count (int): min and max, as measured (equal when every test saw the same);
- a category (str, an identifier of checks/_categories.py, e.g. "fin", "rst"): the set of values seen.

The file (PROFILE_SCHEMA says the same, for validators):

    {"format": "wirecheck-profile", "version": 2, "date": "2026-11-28T21:30:00+00:00",
     "server": "python3 -m http.server {port} --bind 127.0.0.1",
     "versions": {"wirecheck": "0.1.0", "python": "3.11.2", "server": null},
     "settings": {"fin_within": 1.0, "burst_size": 128, ...},
     "properties": {"fin-in-time": {"level": "MUST", "outcome": "passed", "tests": 1,
                    "figures": {"fin_delay": {"type": "timing", "median": 0.0003, "max": 0.0003,
                                              "samples": 1}}}, ...}}

"versions.server" is left null for the user to fill in (the gate cannot ask any server its
version). Nothing here imports pytest.
"""

import json
import platform
import statistics
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from wirecheck import _extras as extras
from wirecheck._option_names import flag

FORMAT = "wirecheck-profile"
VERSION = 2  # 2: categories are identifiers ("400-then-fin"), not their wording
OUTCOMES = ("passed", "failed", "skipped")

_SAMPLES = {"type": "integer", "minimum": 1}
FIGURE_SCHEMA = {"oneOf": [
    {"type": "object", "required": ["type", "median", "max", "samples"], "additionalProperties": False,
     "properties": {"type": {"const": "timing"}, "median": {"type": "number"}, "max": {"type": "number"},
                    "samples": _SAMPLES}},
    {"type": "object", "required": ["type", "min", "max", "samples"], "additionalProperties": False,
     "properties": {"type": {"const": "count"}, "min": {"type": "integer"}, "max": {"type": "integer"},
                    "samples": _SAMPLES}},
    {"type": "object", "required": ["type", "values", "samples"], "additionalProperties": False,
     "properties": {"type": {"const": "category"}, "samples": _SAMPLES,
                    "values": {"type": "array", "items": {"type": "string"}, "uniqueItems": True}}},
]}
PROFILE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": f"wirecheck profile: what one contract run measured ({flag('profile_out')}, read by {flag('baseline')})",
    "type": "object",
    "required": ["format", "version", "date", "server", "versions", "settings", "properties"],
    "properties": {
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        "date": {"type": "string"},
        "server": {"type": "string"},
        "versions": {"type": "object", "required": ["wirecheck", "python", "server"],
                     "properties": {"wirecheck": {"type": "string"}, "python": {"type": "string"},
                                    "server": {"type": ["string", "null"]}}},
        "settings": {"type": "object"},
        "properties": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["level", "outcome", "tests", "figures"],
            "properties": {"level": {"enum": ["MUST", "SHOULD"]}, "outcome": {"enum": list(OUTCOMES)},
                           "tests": {"type": "integer", "minimum": 1},
                           "figures": {"type": "object", "additionalProperties": FIGURE_SCHEMA}}}},
    },
}


class ProfileError(ValueError):
    """A file that is not a profile this wirecheck reads; the message says why, in one line."""


@dataclass(frozen=True)
class MeasuredTest:
    """What one test of a property ended with: its outcome and the figures its record holds."""

    outcome: str  # "passed", "failed" or "skipped"
    figures: dict[str, float | int | str]


def figure_type(value: object) -> str:
    """How a figure is read: "timing" (float seconds), "count" (int) or "category" (anything else, as text)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "category"
    return "timing" if isinstance(value, float) else "count"


def summarise(values: list[float | int | str]) -> dict:
    """One figure over a property's tests. Counts and timings mixed (a timing that came out whole) are timings."""
    types = {figure_type(value) for value in values}
    if types == {"count"}:
        return {"type": "count", "min": min(values), "max": max(values), "samples": len(values)}
    if types <= {"timing", "count"}:
        return {"type": "timing", "median": statistics.median(values), "max": max(values), "samples": len(values)}
    return {"type": "category", "values": sorted({str(value) for value in values}), "samples": len(values)}


def property_profile(level: str, tests: list[MeasuredTest]) -> dict:
    """A property's entry: failed if any test failed, passed if any passed, else skipped; each figure summed up."""
    outcomes = {test.outcome for test in tests}
    outcome = next(outcome for outcome in ("failed", "passed", "skipped") if outcome in outcomes)
    names = sorted({name for test in tests for name in test.figures})
    figures = {name: summarise([test.figures[name] for test in tests if name in test.figures]) for name in names}
    return {"level": level, "outcome": outcome, "tests": len(tests), "figures": figures}


def build(properties: dict[str, dict], server: str, settings: dict[str, object],
          now: datetime | None = None) -> dict:
    """The profile of a run whose properties' entries (property_profile) are given, in the contract's order."""
    return {"format": FORMAT, "version": VERSION,
            "date": (now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
            "server": server,
            "versions": {"wirecheck": _wirecheck_version(), "python": platform.python_version(), "server": None},
            "settings": settings, "properties": properties}


def _wirecheck_version() -> str:
    try:
        return metadata.version("wirecheck")
    except metadata.PackageNotFoundError:  # run from a clone that was never installed
        return "unknown"


def write(profile: dict, path: Path) -> None:
    # A profile this wirecheck cannot read back is a bug here, not the user's: checked against the schema where
    # the extra that brings jsonschema is installed. Writing one needs no extra; reading it back as a baseline does.
    validate(profile, str(path), schema_required=False)
    path.write_text(json.dumps(profile, indent=2) + "\n")


def load(path: Path) -> dict:
    """The profile in `path`, validated; ProfileError (one line) if it is missing, not JSON or not a profile."""
    try:
        data = json.loads(path.read_text())
    except OSError as error:
        raise ProfileError(f"cannot read {path}: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProfileError(f"{path} is not JSON ({error}): give a file written by {flag('profile_out')}") from None
    validate(data, str(path))
    return data


def validate(data: object, name: str, schema_required: bool = True) -> None:
    """Refuse, in one line, what is not a profile of this version; name the first place it goes wrong. Without
    the extra 'baseline' (jsonschema), refuse to read it, unless `schema_required` is False: then only its format
    and version are checked."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProfileError(f"{name} is not a wirecheck profile (no \"format\": \"{FORMAT}\"): give a file written "
                           f"by {flag('profile_out')}")
    if data.get("version") != VERSION:
        raise ProfileError(f"{name} is a wirecheck profile of version {data.get('version')!r}; this wirecheck "
                           f"reads version {VERSION}: write the baseline again with {flag('profile_out')}")
    try:  # a tenth of a second to import, and an extra: only a run given a baseline needs it
        jsonschema = extras.require("baseline", f"{name}: reading a baseline")
    except extras.MissingExtra as missing:
        if not schema_required:
            return
        raise ProfileError(str(missing)) from None
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(PROFILE_SCHEMA).iter_errors(data))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "the top level"
        raise ProfileError(f"{name} is not a valid wirecheck profile: at {where}: {error.message}")
