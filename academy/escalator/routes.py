"""Every page of the escalator: importing this module adds each route to the blueprint."""

from academy.escalator import bp, views

VIEWS = (views,)
BLUEPRINTS = (bp,)
