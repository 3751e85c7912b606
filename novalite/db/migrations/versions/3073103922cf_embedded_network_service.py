"""embedded network service: networks, subnets (pools, DNS servers, routes),
ports and their fixed IPs

Revision ID: 3073103922cf
Revises: 3b1f6c2d9e4a
Create Date: 2026-11-30 00:52:56.996700
"""
from alembic import op
import sqlalchemy as sa


revision = '3073103922cf'
down_revision = '3b1f6c2d9e4a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('networks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('admin_state_up', sa.Boolean(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('mtu', sa.Integer(), nullable=False),
    sa.Column('network_type', sa.String(length=32), nullable=False),
    sa.Column('physical_network', sa.String(length=64), nullable=True),
    sa.Column('segmentation_id', sa.Integer(), nullable=True),
    sa.Column('port_security_enabled', sa.Boolean(), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('revision_number', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('physical_network', name='uniq_networks0physical_network')
    )
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.create_index('networks_project_id_idx', ['project_id'], unique=False)

    op.create_table('ports',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('network_id', sa.String(length=36), nullable=False),
    sa.Column('mac_address', sa.String(length=32), nullable=False),
    sa.Column('admin_state_up', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('device_id', sa.String(length=255), nullable=False),
    sa.Column('device_owner', sa.String(length=255), nullable=False),
    sa.Column('port_security_enabled', sa.Boolean(), nullable=False),
    sa.Column('binding_host_id', sa.String(length=255), nullable=False),
    sa.Column('binding_vif_type', sa.String(length=64), nullable=False),
    sa.Column('binding_vif_details', sa.Text(), nullable=True),
    sa.Column('binding_vnic_type', sa.String(length=64), nullable=False),
    sa.Column('binding_profile', sa.Text(), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('revision_number', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('network_id', 'mac_address', name='uniq_ports0network_id0mac_address')
    )
    with op.batch_alter_table('ports', schema=None) as batch_op:
        batch_op.create_index('ports_device_id_idx', ['device_id'], unique=False)
        batch_op.create_index('ports_network_id_device_owner_idx', ['network_id', 'device_owner'], unique=False)
        batch_op.create_index('ports_project_id_idx', ['project_id'], unique=False)

    op.create_table('subnets',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('network_id', sa.String(length=36), nullable=False),
    sa.Column('ip_version', sa.Integer(), nullable=False),
    sa.Column('cidr', sa.String(length=64), nullable=False),
    sa.Column('gateway_ip', sa.String(length=64), nullable=True),
    sa.Column('enable_dhcp', sa.Boolean(), nullable=False),
    sa.Column('ipv6_ra_mode', sa.String(length=16), nullable=True),
    sa.Column('ipv6_address_mode', sa.String(length=16), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('revision_number', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('subnets', schema=None) as batch_op:
        batch_op.create_index('subnets_network_id_idx', ['network_id'], unique=False)

    op.create_table('dnsnameservers',
    sa.Column('address', sa.String(length=128), nullable=False),
    sa.Column('subnet_id', sa.String(length=36), nullable=False),
    sa.Column('order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['subnet_id'], ['subnets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('address', 'subnet_id')
    )
    with op.batch_alter_table('dnsnameservers', schema=None) as batch_op:
        batch_op.create_index('dnsnameservers_subnet_id_idx', ['subnet_id'], unique=False)

    op.create_table('ipallocationpools',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('subnet_id', sa.String(length=36), nullable=False),
    sa.Column('first_ip', sa.String(length=64), nullable=False),
    sa.Column('last_ip', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['subnet_id'], ['subnets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ipallocationpools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ipallocationpools_subnet_id'), ['subnet_id'], unique=False)

    op.create_table('ipallocations',
    sa.Column('ip_address', sa.String(length=64), nullable=False),
    sa.Column('subnet_id', sa.String(length=36), nullable=False),
    sa.Column('network_id', sa.String(length=36), nullable=False),
    sa.Column('port_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], ),
    sa.ForeignKeyConstraint(['port_id'], ['ports.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subnet_id'], ['subnets.id'], ),
    sa.PrimaryKeyConstraint('ip_address', 'subnet_id'),
    sa.UniqueConstraint('network_id', 'ip_address', name='uniq_ipallocations0network_id0ip_address')
    )
    with op.batch_alter_table('ipallocations', schema=None) as batch_op:
        batch_op.create_index('ipallocations_port_id_idx', ['port_id'], unique=False)
        batch_op.create_index('ipallocations_subnet_id_idx', ['subnet_id'], unique=False)

    op.create_table('subnetroutes',
    sa.Column('destination', sa.String(length=64), nullable=False),
    sa.Column('nexthop', sa.String(length=64), nullable=False),
    sa.Column('subnet_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['subnet_id'], ['subnets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('destination', 'nexthop', 'subnet_id')
    )
    with op.batch_alter_table('subnetroutes', schema=None) as batch_op:
        batch_op.create_index('subnetroutes_subnet_id_idx', ['subnet_id'], unique=False)


def downgrade():
    for table in ('subnetroutes', 'ipallocations', 'ipallocationpools', 'dnsnameservers',
                  'subnets', 'ports', 'networks'):
        op.drop_table(table)
