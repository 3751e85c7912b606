"""Weighers: each gives every host a raw weight; weights are normalised to
[0, 1], multiplied by the weigher's multiplier and summed."""


class BaseHostWeigher:
    def weight_multiplier(self):
        return 1.0

    def weigh(self, host_state, spec):
        raise NotImplementedError()


def normalize(values):
    lo, hi = min(values), max(values)
    if hi == lo:
        return [0.0 for _ in values]
    return [(v - lo) / (hi - lo) for v in values]
