"""The base rules Nova's policies are written with (nova/policies/base.py):
Keystone's default roles reader < member < manager < admin, project scoped."""
from oslo_policy import policy

RULE_ADMIN_OR_OWNER = 'rule:admin_or_owner'   # legacy, deprecated in Nova 21.0.0
RULE_ADMIN_API = 'rule:admin_api'             # legacy, deprecated in Nova 21.0.0
RULE_ANY = '@'      # anyone
RULE_NOBODY = '!'   # no one

ADMIN = 'rule:context_is_admin'
PROJECT_MANAGER = 'rule:project_manager_api'
PROJECT_MEMBER = 'rule:project_member_api'
PROJECT_READER = 'rule:project_reader_api'
PROJECT_MANAGER_OR_ADMIN = 'rule:project_manager_or_admin'
PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'

DEPRECATED_REASON = ('Nova API policies introduced new default roles with '
                     'scope_type capabilities; the old rules are ignored '
                     'unless [oslo_policy] enforce_new_defaults is False.')

DEPRECATED_ADMIN_POLICY = policy.DeprecatedRule(
    name=RULE_ADMIN_API, check_str='is_admin:True',
    deprecated_reason=DEPRECATED_REASON, deprecated_since='21.0.0')

DEPRECATED_ADMIN_OR_OWNER_POLICY = policy.DeprecatedRule(
    name=RULE_ADMIN_OR_OWNER, check_str='is_admin:True or project_id:%(project_id)s',
    deprecated_reason=DEPRECATED_REASON, deprecated_since='21.0.0')


def _legacy(name, check_str, description):
    return policy.RuleDefault(name, check_str, description, deprecated_for_removal=True,
                              deprecated_reason=DEPRECATED_REASON,
                              deprecated_since='21.0.0')


rules = [
    policy.RuleDefault(
        'context_is_admin', 'role:admin',
        "Decides what is required for the 'is_admin:True' check to succeed.",
        deprecated_rule=DEPRECATED_ADMIN_POLICY),
    _legacy('admin_or_owner', 'is_admin:True or project_id:%(project_id)s',
            'Default rule for most non-Admin APIs.'),
    _legacy('admin_api', 'is_admin:True', 'Default rule for most Admin APIs.'),
    policy.RuleDefault(
        'project_manager_api', 'role:manager and project_id:%(project_id)s',
        'Default rule for Project level management APIs.',
        deprecated_rule=DEPRECATED_ADMIN_POLICY),
    policy.RuleDefault(
        'project_member_api', 'role:member and project_id:%(project_id)s',
        'Default rule for Project level non admin APIs.',
        deprecated_rule=DEPRECATED_ADMIN_OR_OWNER_POLICY),
    policy.RuleDefault(
        'project_reader_api', 'role:reader and project_id:%(project_id)s',
        'Default rule for Project level read only APIs.',
        deprecated_rule=DEPRECATED_ADMIN_OR_OWNER_POLICY),
    policy.RuleDefault(
        'project_manager_or_admin', 'rule:project_manager_api or rule:context_is_admin',
        'Default rule for Project Manager or admin APIs.',
        deprecated_rule=DEPRECATED_ADMIN_POLICY),
    policy.RuleDefault(
        'project_member_or_admin', 'rule:project_member_api or rule:context_is_admin',
        'Default rule for Project Member or admin APIs.',
        deprecated_rule=DEPRECATED_ADMIN_OR_OWNER_POLICY),
    policy.RuleDefault(
        'project_reader_or_admin', 'rule:project_reader_api or rule:context_is_admin',
        'Default rule for Project reader or admin APIs.',
        deprecated_rule=DEPRECATED_ADMIN_OR_OWNER_POLICY),
]


def list_rules():
    return rules


def rule(name, check_str, description, *operations):
    """A documented project-scoped rule; ``operations`` are (method, path)."""
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'method': m, 'path': p} for m, p in operations],
        scope_types=['project'])
