"""build_requests: the stored build of each instance, so a lost message is driven again

Revision ID: 8c4d2e7f1a90
Revises: 7c4e2a9b5d13
Create Date: 2026-11-30 01:05:00
"""
from alembic import op
import sqlalchemy as sa


revision = '8c4d2e7f1a90'
down_revision = '7c4e2a9b5d13'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('build_requests',
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('updated_at', sa.DateTime(), nullable=True),
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('instance_uuid', sa.String(length=36), nullable=False),
                    sa.Column('project_id', sa.String(length=255), nullable=False),
                    sa.Column('attempt', sa.Integer(), nullable=False),
                    sa.Column('spec', sa.Text(), nullable=False),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('instance_uuid',
                                        name='uniq_build_requests0instance_uuid'))


def downgrade():
    op.drop_table('build_requests')
