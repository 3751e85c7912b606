"""The policy enforcer: defaults from novalite.policies, overridable by an
operator's policy file (oslo.policy's [oslo_policy] policy_file)."""
import threading

from oslo_config import cfg
from oslo_policy import policy

from novalite import exception
from novalite import policies

CONF = cfg.CONF
_ENFORCER = None
_LOCK = threading.Lock()


def get_enforcer():
    """Entry point for oslopolicy-policy-generator and friends."""
    CONF([], project='novalite')
    return _init()


def _init():
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is None:
            _ENFORCER = policy.Enforcer(CONF)
            _ENFORCER.register_defaults(policies.list_rules())
        return _ENFORCER


def reset():
    """Forget the enforcer: the next check reads the policy file again
    (SIGHUP)."""
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is not None:
            _ENFORCER.clear()
        _ENFORCER = None


def authorize(context, action, target=None, do_raise=True):
    target = target if target is not None else {'project_id': context.project_id,
                                                'user_id': context.user_id}
    creds = context.to_policy_values()
    creds['is_admin'] = context.is_admin
    try:
        return _init().authorize(action, target, creds, do_raise=do_raise,
                                 exc=exception.PolicyNotAuthorized, action=action)
    except policy.InvalidScope:
        raise exception.PolicyNotAuthorized(action=action)

