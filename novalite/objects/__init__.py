"""Plain data objects that travel over RPC; importing the package registers
every class so any process can rebuild them from primitives."""
from novalite.objects import instance  # noqa: F401
from novalite.objects import request_spec  # noqa: F401
