"""Key pair bodies per microversion: ``type`` from 2.2."""
from novalite.api.openstack import common


def basic(req, keypair):
    out = {'name': keypair['name'], 'public_key': keypair['public_key'],
           'fingerprint': keypair['fingerprint']}
    if req.is_at_least('2.2'):
        out['type'] = keypair['type']
    return out


def create(req, keypair, private_key=None):
    out = dict(basic(req, keypair), user_id=keypair['user_id'])
    if private_key is not None:
        out['private_key'] = private_key
    return out


def show(req, keypair):
    return dict(basic(req, keypair), user_id=keypair['user_id'], id=keypair['id'],
                deleted=bool(keypair['deleted']),
                created_at=common.isotime(keypair['created_at']),
                updated_at=common.isotime(keypair['updated_at']),
                deleted_at=common.isotime(keypair['deleted_at']))
