"""The key pair API (Nova's compute.api.KeypairAPI): import or generate a
user's key pair within the key_pairs quota, list, get, delete.  No HTTP."""
from novalite import crypto
from novalite.db import keypairs as db_keypairs
from novalite import quota

KEYPAIR_TYPE_SSH = 'ssh'
KEYPAIR_TYPE_X509 = 'x509'


class KeypairAPI:
    @staticmethod
    def _fingerprint(public_key, key_type):
        if key_type == KEYPAIR_TYPE_X509:
            return crypto.generate_x509_fingerprint(public_key)
        return crypto.generate_fingerprint(public_key)

    def import_key_pair(self, context, user_id, name, public_key,
                        key_type=KEYPAIR_TYPE_SSH):
        fingerprint = self._fingerprint(public_key, key_type)
        return quota.create_key_pair(context, {
            'user_id': user_id, 'name': name, 'type': key_type,
            'public_key': public_key, 'fingerprint': fingerprint})

    def create_key_pair(self, context, user_id, name, key_type=KEYPAIR_TYPE_SSH):
        """Generate a key; returns (keypair, private_key)."""
        if key_type == KEYPAIR_TYPE_X509:
            private_key, public_key, fingerprint = crypto.generate_x509_cert(user_id)
        else:
            private_key, public_key, fingerprint = crypto.generate_key_pair()
        keypair = quota.create_key_pair(context, {
            'user_id': user_id, 'name': name, 'type': key_type,
            'public_key': public_key, 'fingerprint': fingerprint})
        return keypair, private_key

    def get_key_pairs(self, context, user_id, limit=None, marker=None):
        return db_keypairs.key_pair_get_all_by_user(user_id, limit=limit, marker=marker)

    def get_key_pair(self, context, user_id, name):
        return db_keypairs.key_pair_get(user_id, name)

    def delete_key_pair(self, context, user_id, name):
        db_keypairs.key_pair_destroy(user_id, name)
