"""Where a learner is on the escalator, worked out from their portfolio, with the reasons.

The rule (thresholds in data/escalator.toml, `position_hours`): a learner is
at the highest step whose hours, counting entries at that step and every step
above it, reach that step's threshold. Ground level needs nothing, so everyone
is somewhere. It guides suggestions; it never gates anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from academy.reference.escalator import Escalator, Level


@dataclass(frozen=True)
class StepCheck:
    """One step of the rule: hours counted towards it, hours needed, whether they are met."""

    level: Level
    hours: float
    needed: float

    @property
    def met(self) -> bool:
        """Whether the counted hours reach the threshold."""
        return self.hours >= self.needed


@dataclass(frozen=True)
class Position:
    """The step the rule gives, and every step's check, lowest first."""

    level: Level
    checks: tuple[StepCheck, ...]

    @property
    def explanation(self) -> str:
        """Why, in a sentence."""
        check = next(c for c in self.checks if c.level == self.level)
        if not check.needed:
            return f"{self.level.name} needs no recorded training, so everyone starts here."
        return (
            f"You have recorded {check.hours:g} hours at {self.level.name} or above; "
            f"{self.level.name} needs {check.needed:g}."
        )


def position_of(hours_by_level: dict[str | None, float], escalator: Escalator) -> Position:
    """The learner's step from their hours at each level."""
    checks = []
    above = 0.0
    for level in reversed(escalator.levels):
        above += hours_by_level.get(level.key, 0.0)
        checks.append(StepCheck(level=level, hours=above, needed=level.position_hours))
    checks.reverse()
    reached = [check for check in checks if check.met]
    return Position(level=reached[-1].level if reached else checks[0].level, checks=tuple(checks))
