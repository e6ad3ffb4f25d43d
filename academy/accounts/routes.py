"""Every page of accounts: importing this module adds each route to the blueprint."""

from academy.accounts import bp, views, your_data

VIEWS = (views, your_data)
BLUEPRINTS = (bp,)
