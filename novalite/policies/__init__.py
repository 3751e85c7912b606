"""oslo.policy defaults in code, one module per resource, Nova's rule names."""
import itertools

from novalite.policies import base, flavors, keypairs, limits, quota_sets, servers


def list_rules():
    return list(itertools.chain(base.list_rules(), servers.list_rules(),
                                flavors.list_rules(), keypairs.list_rules(),
                                limits.list_rules(), quota_sets.list_rules()))
