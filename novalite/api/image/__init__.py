"""A Glance v2-compatible image endpoint (``/image``) over the built-in
image store: what clients resolve ``--image NAME`` through."""
