"""How far a measured gap may stray from the expected one (packetdrill's rule)."""

from dataclasses import dataclass

DEFAULT_FLOOR_SECONDS = 0.004
DEFAULT_FRACTION = 0.125


@dataclass(frozen=True)
class Tolerance:
    """The larger of a fixed floor and a fraction of the expected gap."""

    floor: float = DEFAULT_FLOOR_SECONDS
    fraction: float = DEFAULT_FRACTION

    def of(self, expected: float) -> float:
        return max(self.floor, self.fraction * expected)

    def allows(self, expected: float, actual: float) -> bool:
        return abs(actual - expected) <= self.of(expected)

    def __str__(self) -> str:
        return f"max({self.floor * 1000:g} ms, {self.fraction * 100:g} % of the expected gap)"


def seconds(value: float, signed: bool = False) -> str:
    """A duration for people: milliseconds below a tenth of a second, seconds above."""
    sign = "+" if signed else ""
    if abs(value) < 0.1:
        return f"{value * 1000:{sign}.3f} ms"
    return f"{value:{sign}.3f} s"

# Linux may delay an ACK, even of a FIN, by up to 200 ms (TCP_DELACK_MAX). Waiting this long
# after a client closes lets the server's ACK reach the wire before anything else happens.
ACK_SETTLE_SECONDS = 0.3
