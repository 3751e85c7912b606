"""Service identity: who sent an RPC message, proved by an Ed25519 signature.

``keys``: key pairs, key files, where verifiers find public keys.
``signing``: the signed envelope, its verification, replay and age checks.
``policy``: which identities may call which RPC topics and namespaces.
``dispatcher``: the RPC dispatcher that admits only verified, allowed messages.
"""
