"""novalite-bench: boot benchmark for any Nova-compatible endpoint.

It speaks only the compute API (a base URL with the project, and a token
header), so the same run can be pointed at novalite or at upstream Nova:

    novalite-bench --endpoint http://127.0.0.1:8774/v2.1/$PROJECT \\
        --token admin:$PROJECT --image $IMAGE --flavor 1 --boots 100 \\
        --concurrency 10 --multi 50 --process novalite- --json out.json --svg out.svg

Measures POST latency (p50/p90/p99), boots/s to ACTIVE and the
POST → ACTIVE distribution, one multi-create POST (``--multi N``), the CPU
seconds and RSS of the service processes whose command line contains
``--process`` (read from /proc, children included), and draws one line per
server through its build steps from the instance-action events (POST →
scheduled → claimed → network → spawning → ACTIVE) as an SVG.
"""
import argparse
import concurrent.futures
import datetime
import http.client
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse
import uuid

CLK_TCK = os.sysconf('SC_CLK_TCK')
PAGE = os.sysconf('SC_PAGE_SIZE')
# the build steps novalite records (Nova records the first and the last)
STEPS = [('conductor_schedule_and_build_instances', 'scheduling', '#9ecae1'),
         ('compute_instance_claim', 'claim', '#fdae6b'),
         ('compute_allocate_network', 'network', '#a1d99b'),
         ('compute_spawn', 'spawning', '#bcbddc'),
         ('compute__do_build_and_run_instance', 'build on host', '#dddddd')]


# -- HTTP ------------------------------------------------------------------------
class Client:
    """JSON over HTTP with one kept-alive connection per thread, as
    keystoneauth's session gives novaclient and the openstack CLI: a new
    TCP connection per request would be the benchmark's cost, not the
    cloud's."""
    # a connection idle this long may have been closed by the server: a
    # POST then goes on a new one (a POST is never sent twice)
    IDLE_S = 2.0

    def __init__(self, endpoint, headers):
        self.endpoint, self.headers = endpoint.rstrip('/'), headers
        url = urllib.parse.urlsplit(self.endpoint)
        self._conn_class = (http.client.HTTPSConnection if url.scheme == 'https'
                            else http.client.HTTPConnection)
        self._netloc, self._base = url.netloc, url.path
        self._local = threading.local()

    def _connection(self, fresh):
        conn, used = getattr(self._local, 'conn', None), getattr(self._local, 'used', 0.0)
        if conn is not None and (fresh or time.monotonic() - used > self.IDLE_S):
            conn.close()
            conn = None
        if conn is None:
            conn = self._local.conn = self._conn_class(self._netloc, timeout=120)
        return conn

    def call(self, method, path, body=None, version=None):
        hdrs = dict(self.headers, **{'Content-Type': 'application/json'})
        if version:
            hdrs['OpenStack-API-Version'] = 'compute %s' % version
        data = json.dumps(body).encode() if body is not None else None
        # a GET may be sent again on a new connection when the kept one was
        # closed under it; a POST goes on a new connection if the kept one
        # sat idle (see IDLE_S), and is never repeated
        for attempt in (0, 1):
            conn = self._connection(fresh=attempt > 0)
            try:
                conn.request(method, self._base + path, body=data, headers=hdrs)
                resp = conn.getresponse()
                raw = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._local.conn = None
                conn.close()
                if method != 'GET' or attempt:
                    raise
                continue
            self._local.used = time.monotonic()
            if resp.will_close:
                conn.close()
                self._local.conn = None
            if resp.status >= 400:
                return resp.status, raw[:300]
            return resp.status, json.loads(raw) if raw else None


# -- /proc ---------------------------------------------------------------------------
def _proc(pid):
    """(ppid, cpu ticks, rss bytes, cmdline) of a process, or None."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            stat = f.read()
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            cmd = f.read().replace(b'\0', b' ').decode(errors='replace')
    except OSError:
        return None
    fields = stat[stat.rindex(')') + 2:].split()
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[21]) * PAGE, cmd


def services(patterns, only=None):
    """{service name: (cpu seconds, rss MiB, processes)} for processes whose
    command line contains one of ``patterns`` (and ``only``, when given),
    summed over the processes of a service; a service's name is its
    program's basename."""
    procs = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            info = _proc(int(entry))
            if info:
                procs[int(entry)] = info
    out = {}
    for pid, (ppid, ticks, rss, cmd) in procs.items():
        if not any(p in cmd for p in patterns) or (only and only not in cmd) or (
                ppid in procs and any(p in procs[ppid][3] for p in patterns)):
            continue        # not a service, or a worker counted with its parent
        name = next((os.path.basename(w) for w in cmd.split() if any(p in w for p in patterns)),
                    str(pid))
        todo, cpu, mem = [pid], 0, 0
        while todo:
            p = todo.pop()
            cpu, mem = cpu + procs[p][1], mem + procs[p][2]
            todo += [c for c, info in procs.items() if info[0] == p]
        prev = out.get(name, (0.0, 0.0, 0))
        out[name] = (prev[0] + cpu / CLK_TCK, prev[1] + mem / 2 ** 20, prev[2] + 1)
    return out


def percentile(values, p):
    s = sorted(values)
    if not s:
        return None
    return s[max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


def _dist(values):
    return {'p50': percentile(values, 50), 'p90': percentile(values, 90),
            'p99': percentile(values, 99), 'max': max(values) if values else None,
            'mean': statistics.mean(values) if values else None}


# -- the runs ---------------------------------------------------------------------------
def _server(args, name, **extra):
    body = {'name': name, 'imageRef': args.image, 'flavorRef': args.flavor,
            'networks': args.network}
    body.update(extra)
    return {'server': body}


# Polling asks only for the servers that finished (FINAL) and changed since
# the newest change seen, less SINCE_SLACK_S (a transaction may commit after
# one stamped later than itself was seen), as ``status`` and ``changes-since``
# let any client do; every FULL_POLL_S one poll reads all the finished ones,
# in case a change was missed anyway, and the run counts the servers only
# that poll found final (``missed_by_since``).  The polls are most of the
# API's CPU in a max_count=1000 run: without FINAL every server still
# building was read again by every poll while it changed.
SINCE_SLACK_S = 1
FINAL = '&status=ACTIVE&status=ERROR'
FULL_POLL_S = 10.0
_UPDATED = '%Y-%m-%dT%H:%M:%SZ'


def _since(newest):
    """The changes-since value for servers changed at ``newest`` (a server's
    'updated') or later, less SINCE_SLACK_S."""
    t = datetime.datetime.strptime(newest, _UPDATED)
    return (t - datetime.timedelta(seconds=SINCE_SLACK_S)).strftime(_UPDATED)


def _wait_final(client, query, count, timeout):
    """({id: (status, time seen final)}, how many of them only a full poll
    found: changed before the changes-since value already asked for) once
    ``count`` servers matching the servers/detail ``query`` are ACTIVE or
    ERROR."""
    seen, deadline = {}, time.monotonic() + timeout
    newest, full_due, asked, missed = None, 0.0, None, 0
    while len(seen) < count:
        q = query + FINAL
        if newest is not None and time.monotonic() < full_due:
            asked = _since(newest)
            q += '&changes-since=' + urllib.parse.quote(asked)
        else:
            full_due = time.monotonic() + FULL_POLL_S
        status, body = client.call('GET', '/servers/detail?%s' % q)
        now = time.monotonic()
        for s in (body or {}).get('servers', []) if status == 200 else []:
            newest = max(newest or s['updated'], s['updated'])
            if s['status'] in ('ACTIVE', 'ERROR') and s['id'] not in seen:
                seen[s['id']] = (s['status'], now)
                missed += asked is not None and s['updated'] < asked
        if now > deadline:
            raise RuntimeError('%d of %d servers ACTIVE/ERROR after %d s'
                               % (len(seen), count, timeout))
        time.sleep(0.05)
    return seen, missed


def boots(client, args, run):
    """``--boots`` POSTs of one server each from ``--concurrency`` threads."""
    def post(i):
        t = time.monotonic()
        status, body = client.call('POST', '/servers', _server(args, '%s-%04d' % (run, i)))
        return t, time.monotonic() - t, (body['server']['id'] if status == 202 else None)
    with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
        t0 = time.monotonic()
        posts = list(pool.map(post, range(args.boots)))
    ok = {sid: t for t, _dt, sid in posts if sid}
    query = 'name=%s&limit=%d' % (urllib.parse.quote('^%s-[0-9]' % run), args.boots * 2)
    seen, missed = _wait_final(client, query, len(ok), args.timeout)
    wall = max(t for _s, t in seen.values()) - t0
    active = [t - ok[sid] for sid, (st, t) in seen.items() if st == 'ACTIVE']
    return {'boots': args.boots, 'concurrency': args.concurrency,
            'post_s': _dist([dt for _t, dt, _s in posts]),
            'failed_posts': args.boots - len(ok),
            'active': len(active), 'error': len(seen) - len(active),
            'missed_by_since': missed,
            'wall_s': wall, 'boots_per_s': len(active) / wall if wall else None,
            'post_to_active_s': _dist(active)}, list(ok)


def multi(client, args, run):
    """One POST with min_count = max_count = ``--multi``."""
    t0 = time.monotonic()
    status, body = client.call('POST', '/servers', _server(
        args, '%s-multi' % run, min_count=args.multi, max_count=args.multi,
        return_reservation_id=True))
    post_s = time.monotonic() - t0
    if status != 202:
        raise RuntimeError('multi-create POST answered %s: %s' % (status, body))
    rid = body['reservation_id']
    seen, missed = _wait_final(client, 'reservation_id=%s&limit=%d' % (rid, args.multi * 2),
                               args.multi, args.timeout)
    return {'count': args.multi, 'post_s': post_s,
            'all_final_s': max(t for _s, t in seen.values()) - t0,
            'active': sum(1 for st, _t in seen.values() if st == 'ACTIVE'),
            'missed_by_since': missed}, list(seen)


# -- the timeline ----------------------------------------------------------------------
def _ts(value):
    return datetime.datetime.fromisoformat(value.rstrip('Z')).timestamp() if value else None


def timeline(client, server_ids):
    """Per server: the create action's start and its events' start/finish,
    from os-instance-actions (2.51: events for the owner too)."""
    lines = []
    for sid in server_ids:
        status, body = client.call('GET', '/servers/%s/os-instance-actions' % sid, version='2.51')
        if status != 200:
            continue
        create = [a for a in body['instanceActions'] if a['action'] == 'create']
        if not create:
            continue
        status, body = client.call('GET', '/servers/%s/os-instance-actions/%s'
                                   % (sid, create[0]['request_id']), version='2.51')
        if status != 200:
            continue
        action = body['instanceAction']
        lines.append({'server': sid, 'start': _ts(action['start_time']),
                      'events': {e['event']: (_ts(e['start_time']), _ts(e['finish_time']),
                                              e.get('result'))
                                 for e in action.get('events', [])}})
    return lines


def svg(lines, path):
    """One line per server: a segment per build step, x = seconds since the
    first POST reached the API."""
    if not lines:
        return
    t0 = min(l['start'] for l in lines)
    end = max([f for l in lines for _s, f, _r in l['events'].values() if f] + [t0 + 1e-3])
    width, row, left = 900, 6, 60
    scale = (width - left - 10) / (end - t0)
    height = 40 + row * len(lines) + 20 * len(STEPS)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (width, height),
           '<text x="%d" y="14">build timeline of %d servers (x: seconds since the first '
           'POST reached the API, %.2f s in all)</text>' % (left, len(lines), end - t0)]
    for i, line in enumerate(sorted(lines, key=lambda l: l['start'])):
        y = 24 + i * row
        for name, _label, colour in STEPS[::-1]:
            start, finish, _res = line['events'].get(name, (None, None, None))
            if start and finish:
                out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>' % (
                    left + (start - t0) * scale, y, max(1.0, (finish - start) * scale),
                    row - 1, colour))
        out.append('<rect x="%.1f" y="%d" width="2" height="%d" fill="#000"/>' % (
            left + (line['start'] - t0) * scale, y, row - 1))
    y = 34 + row * len(lines)
    for j, (_name, label, colour) in enumerate(STEPS):
        out.append('<rect x="%d" y="%d" width="12" height="10" fill="%s"/><text x="%d" '
                   'y="%d">%s</text>' % (left, y + 20 * j, colour, left + 18, y + 9 + 20 * j,
                                         label))
    out.append('</svg>')
    with open(path, 'w') as f:
        f.write('\n'.join(out))


def parse_args(argv):
    p = argparse.ArgumentParser(prog='novalite-bench', description=__doc__.split('\n\n')[0])
    p.add_argument('--endpoint', required=True,
                   help='compute base URL with the project, e.g. '
                        'http://127.0.0.1:8774/v2.1/<project id>')
    p.add_argument('--token', help='X-Auth-Token value (noauth2: user:project)')
    p.add_argument('--header', action='append', default=[],
                   help='extra request header "Name: value" (repeatable)')
    p.add_argument('--image', required=True)
    p.add_argument('--flavor', default='1')
    p.add_argument('--network', default='none', help='"none", "auto" (default: none)')
    p.add_argument('--boots', type=int, default=100)
    p.add_argument('--concurrency', type=int, default=10)
    p.add_argument('--multi', type=int, default=0, help='also one POST of N servers')
    p.add_argument('--process', action='append', default=[],
                   help='substring of the service processes\' command lines '
                        '(e.g. novalite- or nova-); repeatable')
    p.add_argument('--only', help='count only processes whose command line also contains '
                                  'this (e.g. the path of one cloud\'s config file)')
    p.add_argument('--timeout', type=float, default=600)
    p.add_argument('--timeline', type=int, default=100,
                   help='servers whose build steps are read for the picture')
    p.add_argument('--json', help='write the results here')
    p.add_argument('--svg', help='write the build timeline here')
    p.add_argument('--delete', action='store_true', help='delete the servers afterwards')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    headers = dict(h.split(':', 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    if args.token:
        headers['X-Auth-Token'] = args.token
    client, run = Client(args.endpoint, headers), 'bench-%s' % uuid.uuid4().hex[:6]
    before = services(args.process, args.only)
    result, ids = {'endpoint': args.endpoint}, []
    if args.boots:
        result['boots'], ids = boots(client, args, run)
    if args.multi:
        result['multi'], more = multi(client, args, run)
        ids += more
    after = services(args.process, args.only)
    cpu = {n: after[n][0] - before.get(n, (0.0, 0.0))[0] for n in after}
    total = args.boots + args.multi
    result['services'] = {n: {'cpu_s': round(cpu[n], 3), 'rss_mib': round(after[n][1], 1),
                              'processes': after[n][2],
                              'rss_mib_each': round(after[n][1] / after[n][2], 1)}
                          for n in sorted(after)}
    result['cpu_s_per_boot'] = sum(cpu.values()) / total if total and cpu else None
    lines = timeline(client, ids[:args.timeline])
    result['timeline'] = lines
    if args.svg:
        svg(lines, args.svg)
    if args.delete:
        for sid in ids:
            client.call('DELETE', '/servers/%s' % sid)
    text = json.dumps(result, indent=2, sort_keys=True)
    if args.json:
        with open(args.json, 'w') as f:
            f.write(text)
    summary = {k: v for k, v in result.items() if k != 'timeline'}
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 0
