"""When an offering was last submitted for review, so curators see the oldest first.

Revision ID: 4ac5232b5c33
Revises: 246a90217977
Create Date: 2026-11-22 14:54:11.569988

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4ac5232b5c33"
down_revision = "246a90217977"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, not a batch: recreating offerings on SQLite would drop
    # the full-text and catalogue-version triggers.
    op.add_column("offerings", sa.Column("submitted_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("offerings", "submitted_at")
