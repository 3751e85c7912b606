"""The base rules Nova's policies are written with."""
from oslo_policy import policy

ADMIN = 'rule:context_is_admin'
PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
PROJECT_READER = 'role:reader and project_id:%(project_id)s'
PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'

rules = [
    policy.RuleDefault('context_is_admin', 'role:admin',
                       'Decides what is required for the is_admin:True check to succeed.'),
    policy.RuleDefault('admin_api', 'is_admin:True',
                       'Default rule for most Admin APIs.'),
    policy.RuleDefault('project_member_api', PROJECT_MEMBER, 'Project member.'),
    policy.RuleDefault('project_reader_api', PROJECT_READER, 'Project reader.'),
    policy.RuleDefault('project_member_or_admin',
                       'rule:project_member_api or rule:context_is_admin',
                       'Project member or admin.'),
    policy.RuleDefault('project_reader_or_admin',
                       'rule:project_reader_api or rule:context_is_admin',
                       'Project reader or admin.'),
]


def list_rules():
    return rules


def rule(name, check_str, description, *operations):
    """A documented project-scoped rule; ``operations`` are (method, path)."""
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'method': m, 'path': p} for m, p in operations],
        scope_types=['project'])
