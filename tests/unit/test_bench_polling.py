"""novalite-bench polls /servers/detail for the servers that finished, with
changes-since: every server that goes final is seen, including one whose
change was stamped before a change already seen (committed late)."""
import urllib.parse

from novalite import bench


class FakeNova:
    """/servers/detail?changes-since=T: the servers whose 'updated' >= T, as
    Nova answers.  ``script`` is, per poll, the changes that commit before it
    answers: (server id, status, updated)."""

    def __init__(self, script):
        self.script, self.servers, self.queries = list(script), {}, []

    def call(self, method, path, body=None, version=None):
        for sid, status, updated in (self.script.pop(0) if self.script else []):
            self.servers[sid] = {'id': sid, 'status': status, 'updated': updated}
        query = urllib.parse.parse_qs(path.split('?', 1)[1])
        self.queries.append(query)
        since = query.get('changes-since', [''])[0]
        statuses = query.get('status') or ['ACTIVE', 'ERROR', 'BUILD']
        return 200, {'servers': [s for s in self.servers.values()
                                 if s['updated'] >= since and s['status'] in statuses]}


def test_incremental_polls_see_every_server(monkeypatch):
    monkeypatch.setattr(bench.time, 'sleep', lambda s: None)
    t = '2026-11-30T10:00:%02dZ'
    nova = FakeNova([
        [('a', 'BUILD', t % 1), ('b', 'BUILD', t % 1)],
        [('a', 'ACTIVE', t % 10)],
        # stamped at :09 but committed after :10 was seen: within the slack
        [('b', 'ACTIVE', t % 9)],
    ])
    seen, missed = bench._wait_final(nova, 'name=x', 2, timeout=60)
    assert {k: v[0] for k, v in seen.items()} == {'a': 'ACTIVE', 'b': 'ACTIVE'}
    assert 'changes-since' not in nova.queries[0]
    # servers still building are not asked for
    assert all(q['status'] == ['ACTIVE', 'ERROR'] for q in nova.queries)
    assert nova.queries[2]['changes-since'] == ['2026-11-30T10:00:09Z']     # 1 s of slack
    assert missed == 0


def test_a_change_missed_by_the_slack_is_caught_by_a_full_poll(monkeypatch):
    clock = iter(range(0, 10000))
    monkeypatch.setattr(bench.time, 'sleep', lambda s: None)
    monkeypatch.setattr(bench.time, 'monotonic', lambda: float(next(clock)))
    t = '2026-11-30T10:00:%02dZ'
    nova = FakeNova([
        [('a', 'BUILD', t % 1), ('b', 'BUILD', t % 1)],
        [('a', 'ACTIVE', t % 30)],
        [('b', 'ACTIVE', t % 2)],        # far older than what was seen
    ])
    seen, missed = bench._wait_final(nova, 'name=x', 2, timeout=1000)
    assert set(seen) == {'a', 'b'}
    assert any('changes-since' not in q for q in nova.queries[1:])
    assert missed == 1                  # b, and the run says so
