"""A claim on a compute node, as a context manager (seed 3.12).

Leaving the ``with`` block on an exception aborts the claim: the usage is
given back in SQL, through the conductor.
"""
import logging

LOG = logging.getLogger(__name__)


class Claim:
    def __init__(self, context, instance, nodename, tracker):
        self.context, self.instance, self.nodename = context, instance, nodename
        self.tracker = tracker

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if exc_type is not None:
            self.abort()

    def abort(self):
        LOG.debug('Aborting claim of %s on %s', self.instance.uuid, self.nodename)
        self.tracker.abort_instance_claim(self.context, self.instance)
