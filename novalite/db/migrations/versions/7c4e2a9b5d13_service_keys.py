"""service_keys: the public keys of enrolled services

Revision ID: 7c4e2a9b5d13
Revises: 3073103922cf
Create Date: 2026-11-30 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '7c4e2a9b5d13'
down_revision = '3073103922cf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_keys',
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('updated_at', sa.DateTime(), nullable=True),
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('binary', sa.String(length=255), nullable=False),
                    sa.Column('host', sa.String(length=255), nullable=False),
                    sa.Column('public_key', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('binary', 'host', name='uniq_service_keys0binary0host'))


def downgrade():
    op.drop_table('service_keys')
