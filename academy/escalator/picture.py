"""The escalator as a picture: geometry for an accessible SVG of rising steps."""

from __future__ import annotations

from dataclasses import dataclass

from academy.reference.escalator import Escalator, Level

WIDTH = 760
STEP_HEIGHT = 56
STEP_RISE = 40
LABEL_SPACE = 24


@dataclass(frozen=True)
class Step:
    """One drawn step: where it sits and what it says."""

    level: Level
    count: int
    x: int
    y: int
    width: int
    height: int
    highlight: bool
    shade: float  # 0..1, for a portfolio picture shaded by hours

    @property
    def text_x(self) -> int:
        """Where the step's label starts."""
        return self.x + 12


@dataclass(frozen=True)
class Picture:
    """The steps of the escalator, lowest first, and the canvas they fit."""

    steps: list[Step]
    width: int
    height: int


def escalator_picture(
    escalator: Escalator,
    counts: dict[str, float],
    *,
    highlight: set[str] | frozenset[str] = frozenset(),
) -> Picture:
    """Lay out one step per level, each higher and further right than the last."""
    n = len(escalator)
    step_width = WIDTH // n
    height = STEP_HEIGHT + STEP_RISE * (n - 1) + LABEL_SPACE
    most = max(counts.values(), default=0) or 1
    steps = [
        Step(
            level=level,
            count=counts.get(level.key, 0),
            x=i * step_width,
            y=height - STEP_HEIGHT - STEP_RISE * i,
            width=step_width - 4,
            height=STEP_HEIGHT + STEP_RISE * i,
            highlight=level.key in highlight,
            shade=counts.get(level.key, 0) / most,
        )
        for i, level in enumerate(escalator)
    ]
    return Picture(steps=steps, width=WIDTH, height=height)
