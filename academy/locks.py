"""Taking turns: two requests about to write the same thing run one after the other.

Confirming an upload reads (what is already there), then writes (what is
new). Two confirmations at once (a double click, two tabs, two members of one
organisation) would both read before either wrote, and both write: every
activity of a CPD log twice, or the second import of an offer failing on the
unique reference. `take_turns` is called before the reading: the second
request waits until the first has committed, then reads what it wrote, and
its preview no longer matches what its person saw, so it is told so.
"""

from __future__ import annotations

from sqlalchemy import false, select, update

from academy.extensions import db


def take_turns(model, key: int) -> None:
    """Until this transaction ends, make others asking for the same row wait here.

    PostgreSQL: `SELECT ... FOR UPDATE` on that row. SQLite has one writer at a
    time for the whole file: an UPDATE that matches no row still takes the
    write lock, so everything read after it is read inside the write
    transaction (and it touches no row: no trigger, no foreign-key check).
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(model.id).where(model.id == key).with_for_update())
        return
    session.execute(update(model).where(false()).values(id=model.id))
