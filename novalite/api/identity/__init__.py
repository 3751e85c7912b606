"""A Keystone v3 subset served by novalite-api at ``/identity`` in noauth2
mode, so that clients which always log in first (the ``openstack`` CLI,
openstacksdk, novaclient on a keystoneauth session, gophercloud, Terraform's
OpenStack provider) work with a plain clouds.yaml.

It keeps noauth2's rules: whoever asks is trusted, the user ``admin`` is an
administrator, and the token it issues is the noauth2 token
``user:project`` that the compute, image and network APIs accept.
"""
