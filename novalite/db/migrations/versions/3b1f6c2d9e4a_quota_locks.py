"""quota_locks: the per-owner row quota-checked writes lock

Revision ID: 3b1f6c2d9e4a
Revises: 59f157194796
Create Date: 2026-11-25 11:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '3b1f6c2d9e4a'
down_revision = '59f157194796'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quota_locks',
                    sa.Column('owner', sa.String(length=255), nullable=False),
                    sa.Column('generation', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('owner'))


def downgrade():
    op.drop_table('quota_locks')
