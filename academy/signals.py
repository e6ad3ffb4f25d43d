"""Signals: how a lower feature lets higher ones act without importing them.

The features depend one way (accounts → catalogue → escalator → portfolios).
Where a lower feature needs something only a higher one knows — everything
held about a user, what deleting an account removes, a page section, a count
— it sends one of these signals (blinker, as Flask and Indico do) and the
higher features answer from their own `listeners.py`, connected when the app
registers them. Each receiver is called with the sender and keyword arguments
and returns what the signal's description says; `answers()` gathers them.
"""

from __future__ import annotations

from blinker import Namespace, Signal

_signals = Namespace()

#: sender: a User. Each receiver returns a dict of sections for "your data"
#: (JSON-ready, text not yet neutralised), merged into the download in ACCOUNT_DATA_ORDER.
account_data = _signals.signal("account-data")

#: sender: a User. Each receiver returns a list of providers that would be left with no
#: member if the account went (the account cannot be deleted until someone else joins).
account_deletion_blockers = _signals.signal("account-deletion-blockers")

#: sender: a User. Each receiver returns a dict of counts the delete page shows
#: (``{"entries": 12}``).
account_deletion_counts = _signals.signal("account-deletion-counts")

#: sender: a User about to be deleted. Each receiver deletes or anonymises its own rows
#: (flush, never commit); the account itself goes after every receiver has run.
deleting_account = _signals.signal("deleting-account")

#: sender: a User, with ``formdata``. Each receiver returns a dict of template context for
#: extra sections of the profile page (the record profiles the learner keeps).
profile_page = _signals.signal("profile-page")

#: sender: a list of provider ids. Each receiver returns a dict mapping a provider id to a
#: count of things waiting for that organisation (learners' confirmation requests).
provider_waiting = _signals.signal("provider-waiting")

#: sender: the User made by `seed-demo --accounts` as the demo learner, with ``today``.
#: Receivers add demo data of their own (a few portfolio entries).
demo_learner_created = _signals.signal("demo-learner-created")


def answers(signal: Signal, sender, **kwargs) -> list:
    """What every receiver of a signal returned, in the order they were connected."""
    return [answer for _receiver, answer in signal.send(sender, **kwargs)]
