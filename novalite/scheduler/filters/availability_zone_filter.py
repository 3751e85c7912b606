"""AvailabilityZoneFilter: the host must be in the requested zone."""
from novalite.scheduler import filters


class AvailabilityZoneFilter(filters.BaseHostFilter):
    run_filter_once_per_request = True

    def host_passes(self, host_state, spec):
        return not spec.availability_zone or spec.availability_zone == host_state.availability_zone

    def filter_all(self, host_states, spec):
        zone = spec.availability_zone
        return [h for h in host_states if h.availability_zone == zone] if zone else \
            list(host_states)

    def explain(self, spec, before, after):
        return 'AvailabilityZoneFilter: %d of %d hosts are in zone %s' % (
            after, before, spec.availability_zone)
