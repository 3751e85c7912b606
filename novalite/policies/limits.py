"""Policies for /limits: anyone sees their own; admins another project's."""
from oslo_policy import policy

from novalite.policies import base

BASE_POLICY_NAME = 'os_compute_api:limits'
OTHER_PROJECT_LIMIT_POLICY_NAME = 'os_compute_api:limits:other_project'

rules = [
    policy.DocumentedRuleDefault(
        name=BASE_POLICY_NAME, check_str='@',
        description='Show rate and absolute limits for the current user project',
        operations=[{'method': 'GET', 'path': '/limits'}], scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=OTHER_PROJECT_LIMIT_POLICY_NAME, check_str=base.ADMIN,
        description='Show rate and absolute limits of another project',
        operations=[{'method': 'GET', 'path': '/limits'}], scope_types=['project']),
]


def list_rules():
    return rules
