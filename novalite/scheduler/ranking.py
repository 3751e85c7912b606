"""The weighed hosts of one request, best first, kept up to date cheaply.

Weighing is what Nova's weight handler does: each weigher's raw weights are
normalised to [0, 1] over the hosts that passed the filters, multiplied by the
weigher's multiplier and summed; hosts are ranked by that total, equal totals
in host order.  A multi-create places its instances one after the other and
only the host that took an instance changes, so after a placement only that
host is weighed again: the others keep their totals unless it moved a
weigher's minimum or maximum (then every host is normalised again).  The
ranking is the same as weighing every host again for every instance, at the
cost of one host instead of all of them (10,000 hosts × 1,000 instances).
"""
import bisect
import random

from novalite.scheduler import weights as weights_mod

TIE = 1e-9


class Ranking:
    def __init__(self, weighers, hosts, spec):
        self.weighers, self.spec = weighers, spec
        self._reset(list(hosts))

    def __len__(self):
        return len(self.hosts)

    def _reset(self, hosts):
        self.hosts = hosts
        self.names = [h.host for h in hosts]
        self._index = None          # made by the first reweigh (a multi-create)
        self.raw = [w.weigh_all(hosts, self.spec) for w in self.weighers]
        self._renormalise()

    def _renormalise(self):
        self.bounds = [_bounds(r) for r in self.raw]
        totals = [0.0] * len(self.hosts)
        for w, raw in zip(self.weighers, self.raw):
            norm = weights_mod.normalize(raw) if raw else []
            mult = w.weight_multiplier()
            totals = [t + mult * r for t, r in zip(totals, norm)]
        self.totals = totals
        self.order = sorted((-t, i) for i, t in enumerate(totals))

    def _total(self, i):
        total = 0.0
        for w, raw, (lo, hi, _nlo, _nhi) in zip(self.weighers, self.raw, self.bounds):
            r = 0.0 if hi == lo else (raw[i] - lo) / (hi - lo)
            total = total + w.weight_multiplier() * r
        return total

    def reweigh(self, host):
        """``host`` consumed a placement: weigh it again."""
        if self._index is None:
            self._index = {id(h): i for i, h in enumerate(self.hosts)}
        i = self._index[id(host)]
        moved = False
        for k, (w, raw) in enumerate(zip(self.weighers, self.raw)):
            old = raw[i]
            raw[i] = new = w.weigh(host, self.spec)
            if new != old:
                bounds = _moved(self.bounds[k], old, new)
                if bounds is None:          # min or max may have moved: count again
                    bounds = _bounds(raw)
                    moved = moved or bounds[:2] != self.bounds[k][:2]
                self.bounds[k] = bounds
        if moved:
            self._renormalise()
            return
        old_total, self.totals[i] = self.totals[i], self._total(i)
        del self.order[bisect.bisect_left(self.order, (-old_total, i))]
        bisect.insort(self.order, (-self.totals[i], i))

    def remove(self, host):
        """``host`` no longer passes the filters."""
        self._reset([h for h in self.hosts if h is not host])

    def choose(self, subset_size):
        """A host at random among the best ``subset_size`` hosts, and always
        among all hosts tied for the best weight: equal hosts share load."""
        top = -self.order[0][0]
        ties = bisect.bisect_right(self.order, (-(top - TIE), len(self.hosts)))
        size = min(len(self.order), max(subset_size, ties))
        return self.hosts[self.order[random.choice(range(size))][1]]

    def alternates(self, exclude, count):
        """The best node of each of the best ``count`` hosts other than
        ``exclude`` (a reschedule goes to another host)."""
        names, out, seen = self.names, [], {exclude}
        for _t, i in self.order:
            if len(out) >= count:
                break
            if names[i] not in seen:
                seen.add(names[i])
                out.append(self.hosts[i])
        return out


def _bounds(raw):
    """(min, max, how many at min, how many at max) of raw weights."""
    if not raw:
        return (0.0, 0.0, 0, 0)
    lo, hi = min(raw), max(raw)
    return (lo, hi, raw.count(lo), raw.count(hi))


def _moved(bounds, old, new):
    """The bounds after one raw weight went from ``old`` to ``new``, or None
    when they must be counted again (the last one at min or max moved, or
    ``new`` lies outside)."""
    lo, hi, nlo, nhi = bounds
    if not lo <= new <= hi:
        return None
    nlo += (new == lo) - (old == lo)
    nhi += (new == hi) - (old == hi)
    if nlo <= 0 or nhi <= 0:
        return None
    return (lo, hi, nlo, nhi)
