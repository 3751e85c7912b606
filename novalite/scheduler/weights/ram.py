"""RAMWeigher: more free RAM weighs more (spreading); a negative multiplier stacks."""
from oslo_config import cfg

from novalite.scheduler import weights

CONF = cfg.CONF


class RAMWeigher(weights.BaseHostWeigher):
    def weight_multiplier(self):
        return CONF.filter_scheduler.ram_weight_multiplier

    def weigh(self, host_state, spec):
        return host_state.free_ram_mb

    def weigh_all(self, host_states, spec):
        return [h.free_ram_mb for h in host_states]
