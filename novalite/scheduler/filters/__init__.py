"""Scheduler filters: each keeps the hosts that pass and explains the rest.

A filter's ``explain(spec, before, after)`` is what the user reads in the
fault when no host is left: "RamFilter: 0 of 3 hosts have 4096 MB free".
"""


class BaseHostFilter:
    #: run once per request rather than once per instance of it
    run_filter_once_per_request = False

    def host_passes(self, host_state, spec):
        raise NotImplementedError()

    def filter_all(self, host_states, spec):
        return [h for h in host_states if self.host_passes(h, spec)]

    def may_pass_soon(self, host_states, spec):
        """Could hosts this filter rejected all pass again soon, with
        nobody acting?  Then the build waits rather than fails."""
        return False

    def explain(self, spec, before, after):
        return '%s: %d of %d hosts passed' % (type(self).__name__, after, before)


class OnePassFilter(BaseHostFilter):
    """A filter that judges all hosts in one loop (``filter_all``), with no
    method call per host: 10,000 host states pass each filter for every
    request of a large cloud.  One host is judged as a list of one."""

    def host_passes(self, host_state, spec):
        return bool(self.filter_all([host_state], spec))
