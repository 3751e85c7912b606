"""Weighers: each gives every host a raw weight; weights are normalised to
[0, 1], multiplied by the weigher's multiplier and summed."""


class BaseHostWeigher:
    def weight_multiplier(self):
        return 1.0

    def weigh(self, host_state, spec):
        raise NotImplementedError()

    def weigh_all(self, host_states, spec):
        """The raw weight of each host (a weigher may do it in one pass)."""
        return [self.weigh(h, spec) for h in host_states]


def normalize(values):
    lo, hi = min(values), max(values)
    if hi == lo:
        return [0.0 for _ in values]
    return [(v - lo) / (hi - lo) for v in values]
