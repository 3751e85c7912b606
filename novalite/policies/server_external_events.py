"""Policy for os-server-external-events: a service-to-service API (Neutron
tells compute that a port was plugged), open to admins and to the ``service``
role, as Nova's defaults since the service role was introduced."""
from novalite.policies import base

P = 'os_compute_api:os-server-external-events:%s'

rules = [
    base.rule(P % 'create', '%s or role:service' % base.ADMIN,
              'Create one or more external events',
              ('POST', '/os-server-external-events')),
]


def list_rules():
    return rules
