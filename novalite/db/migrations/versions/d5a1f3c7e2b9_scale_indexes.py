"""scale indexes: events by action, instances by compute node

Finishing a build step (action_event_finish) looks its event up by action_id,
and the resource report recounts a host's usage by compute_id: without these
indexes both scan their whole table, whose rows grow with every instance
ever booted (soft deletes keep them).

Revision ID: d5a1f3c7e2b9
Revises: 8c4d2e7f1a90
Create Date: 2026-11-30 05:10:00
"""
from alembic import op


revision = 'd5a1f3c7e2b9'
down_revision = '8c4d2e7f1a90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('instance_actions_events_action_id_idx', 'instance_actions_events',
                    ['action_id'])
    op.create_index('instances_compute_id_idx', 'instances', ['compute_id'])


def downgrade():
    op.drop_index('instances_compute_id_idx', table_name='instances')
    op.drop_index('instance_actions_events_action_id_idx',
                  table_name='instance_actions_events')
