"""Neutron's way of applying its policies (neutron/policy.py and the pecan
policy hook): the action's rule AND a rule per policy-enforced attribute the
request sets; attributes the caller may not read are stripped from answers;
a refused update or delete of something the caller cannot even see is 404."""
from oslo_policy import policy as oslo_policy

from novalite.api.network import attributes
from novalite.network import errors
from novalite import policy as nl_policy


def is_service(ctx):
    return 'service' in (ctx.roles or [])


def scope(ctx):
    """None (everything) for admins and services, else the caller's project."""
    return None if ctx.is_admin or is_service(ctx) else ctx.project_id


def _creds(ctx):
    creds = ctx.to_policy_values()
    creds['is_admin'] = ctx.is_admin
    return creds


def check(ctx, rule, target):
    try:
        return nl_policy._init().enforce(rule, target, _creds(ctx))
    except oslo_policy.InvalidScope:
        return False


def _explicit(resource, res, given, is_create):
    """The policy-enforced attributes the request sets (Neutron's
    _is_attribute_explicitly_set: on create, a value other than the default)."""
    attrs = attributes.RESOURCES[resource]
    out = []
    for name, spec in attrs.items():
        if not spec['enforce_policy'] or name not in given:
            continue
        if is_create and spec['default'] is not attributes.NOT_SPECIFIED \
                and res.get(name) == spec['default']:
            continue
        out.append(name)
    return out


def _sub_rules(action, name, value):
    if name != 'fixed_ips' or not isinstance(value, list):
        return []
    keys = []
    for entry in value:
        for key in ('ip_address', 'subnet_id'):
            if key in entry and key not in keys:
                keys.append(key)
    return ['%s:%s:%s' % (action, name, key) for key in keys]


def enforce(ctx, action, resource, target, given=(), is_create=False):
    """Raise PolicyNotAuthorized unless ``action`` and its attribute rules pass;
    the message names the rules as Neutron's does."""
    rules = [action]
    text = 'rule:%s' % action
    for name in _explicit(resource, target, given, is_create):
        attr_rules = ['%s:%s' % (action, name)] + _sub_rules(action, name, target.get(name))
        rules += attr_rules
        attr_text = ' and '.join('rule:%s' % r for r in attr_rules)
        text = '(%s and %s)' % (text, attr_text if len(attr_rules) == 1
                                else '(%s)' % attr_text)
    if not all(check(ctx, rule, target) for rule in rules):
        raise errors.PolicyNotAuthorized(action=text)


def enforce_on_existing(ctx, action, resource, original, changes=None, given=()):
    """An update or delete: 404 when the caller may not even read it."""
    target = dict(original, **(changes or {}))
    try:
        enforce(ctx, action, resource, target, given)
    except errors.PolicyNotAuthorized:
        if not check(ctx, 'get_%s' % resource, original):
            raise errors.HTTPNotFound()
        raise


def hidden_attributes(ctx, resource, item):
    """Attributes of ``item`` the caller may not read (get_<res>:<attr>)."""
    enforcer = nl_policy._init()
    hidden = []
    for name in item:
        rule = 'get_%s:%s' % (resource, name)
        if rule in enforcer.registered_rules and not check(ctx, rule, item):
            hidden.append(name)
    return hidden
