"""novalite-bench's HTTP client keeps one connection per thread alive, sends
a GET again when the server closed the kept connection, and never sends a
POST twice."""
import http.server
import json
import threading

import pytest

from novalite import bench


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    seen = []           # (method, path, client port)
    close_next = []     # close the connection instead of answering, once each

    def _answer(self):
        self.seen.append((self.command, self.path, self.client_address[1]))
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        if self.close_next:
            self.close_next.pop()
            self.close_connection = True
            return
        raw = json.dumps({'echo': json.loads(body) if body else None}).encode()
        self.send_response(404 if self.path.endswith('/missing') else 200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.seen, _Handler.close_next = [], []
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _client(srv):
    return bench.Client('http://127.0.0.1:%d/v2.1/p' % srv.server_address[1],
                        {'X-Auth-Token': 't'})


def test_one_connection_per_thread(server):
    client = _client(server)
    for i in range(5):
        assert client.call('GET', '/servers?i=%d' % i) == (200, {'echo': None})
    assert client.call('POST', '/servers', {'a': 1}) == (200, {'echo': {'a': 1}})
    assert client.call('GET', '/missing')[0] == 404
    ports = {port for _m, _p, port in _Handler.seen}
    assert len(_Handler.seen) == 7 and len(ports) == 1
    assert _Handler.seen[0][1] == '/v2.1/p/servers?i=0'


def test_get_sent_again_on_a_closed_connection_post_never(server):
    client = _client(server)
    assert client.call('GET', '/a')[0] == 200
    _Handler.close_next.append(True)
    assert client.call('GET', '/b') == (200, {'echo': None})
    assert [p for _m, p, _port in _Handler.seen] == ['/v2.1/p/a', '/v2.1/p/b', '/v2.1/p/b']
    _Handler.close_next.append(True)
    with pytest.raises(ConnectionError):
        client.call('POST', '/servers', {'x': 1})
    assert [m for m, _p, _port in _Handler.seen].count('POST') == 1
    assert client.call('POST', '/servers', {'y': 2}) == (200, {'echo': {'y': 2}})


def test_a_post_after_idling_goes_on_a_new_connection(server, monkeypatch):
    client = _client(server)
    assert client.call('GET', '/a')[0] == 200
    monkeypatch.setattr(client, 'IDLE_S', 0.0)
    assert client.call('POST', '/servers', {})[0] == 200
    assert len({port for _m, _p, port in _Handler.seen}) == 2
