#!/usr/bin/env python
"""Cost of signed RPC: sign + verify of real novalite messages.

Builds the messages of one boot as novalite sends them (context of a tenant
request, a serialized Instance, a request spec) and times, per message, the
sender's work (JSON round trip of args and context, canonical bytes, Ed25519
signature; then oslo.messaging's envelope and kombu's JSON) and the
receiver's (the envelope read; canonical bytes, public-key lookup from an
in-memory store, signature check, nonce cache of a receiver verifying
``--window`` messages per ``message_ttl``).  Multiply by the RPC messages of
one boot (counted from the daemons' "Admitted RPC" debug lines of a real
boot) for the cost per boot.

    python benchmarks/rpc_signing_benchmark.py [--rounds 2000] [--window 1000]
        [--per-boot 14]
"""
import argparse
import json
import time
import uuid

from kombu.utils import json as kombu_json
from oslo_messaging._drivers import common as rpc_common

from novalite import context
from novalite.objects import base as obj_base
from novalite.objects.instance import Instance
from novalite.security import keys, signing
from novalite import rpc


def messages():
    inst = Instance(uuid=str(uuid.uuid4()), display_name='vm1', project_id='p' * 32,
                    user_id='u' * 32, vm_state='building', task_state='scheduling',
                    memory_mb=512, vcpus=1, root_gb=1, host='compute1', node='compute1',
                    network_info=[{'id': str(uuid.uuid4()), 'address': 'fa:16:3e:00:00:01',
                                   'type': 'bridge', 'network': {
                                       'label': 'private', 'subnets': [{
                                           'cidr': '10.0.0.0/24', 'gateway': '10.0.0.1',
                                           'ips': [{'address': '10.0.0.5',
                                                    'version': 4}]}]}}])
    small = {'host': 'compute1', 'instance_uuid': inst.uuid,
             'updates': {'vm_state': 'active', 'task_state': None, 'power_state': 1}}
    big = {'instance': inst, 'image': {'id': str(uuid.uuid4()), 'properties': {}},
           'request_spec': {'flavor': {'memory_mb': 512}}, 'filter_properties': {},
           'admin_password': 'x' * 12, 'injected_files': [], 'requested_networks': 'none',
           'security_groups': ['default'], 'node': 'compute1', 'limits': {},
           'host_list': []}
    return [('instance_update', small), ('build_and_run_instance', big)]


TTL = 60      # [rpc_auth] message_ttl


def _envelope(cdict, msg):
    """The message as oslo.messaging's rabbit driver puts it on the wire:
    context keys packed beside the message, the 2.0 envelope, kombu's JSON."""
    raw = dict(msg, _msg_id=uuid.uuid4().hex, _unique_id=uuid.uuid4().hex)
    raw.update(('_context_%s' % k, v) for k, v in cdict.items())
    return kombu_json.dumps(rpc_common.serialize_msg(raw))


def _unpack(body):
    raw = rpc_common.deserialize_msg(kombu_json.loads(body))
    ctxt = {k[len('_context_'):]: raw.pop(k) for k in list(raw) if k.startswith('_context_')}
    return ctxt, {k: raw[k] for k in ('method', 'namespace', 'version', 'args')}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--rounds', type=int, default=2000)
    p.add_argument('--window', type=int, default=1000,
                   help='messages a receiver verifies per message_ttl (60 s): its '
                        'nonce cache holds their nonces')
    p.add_argument('--per-boot', type=int, default=14,
                   help='RPC messages of one boot (count them in a real run)')
    args = p.parse_args()
    key = keys.generate()
    ident = keys.Identity('novalite-conductor', 'c1')
    signer = signing.Signer(ident, key)
    public = key.public_key()

    class Store:
        def get(self, identity):
            return public

    class Clock:             # messages arrive evenly: ``window`` per message_ttl
        now = time.time()

        @classmethod
        def time(cls):
            return cls.now
    signing.time = Clock
    ctx = context.RequestContext(user_id='u' * 32, project_id='p' * 32, roles=['member'])
    out = {}
    for method, kwargs in messages():
        t_sign = t_verify = t_send = t_receive = 0.0
        verifier = signing.Verifier(Store(), TTL)
        for i in range(args.rounds + 2 * args.window):
            if i == 2 * args.window:    # the cache holds what it keeps: now measure
                t_sign = t_verify = t_send = t_receive = 0.0
            Clock.now += TTL / args.window
            t0 = time.process_time()
            cdict = rpc._wire(ctx.to_dict())
            wire = rpc._wire({k: obj_base.serialize(v) for k, v in kwargs.items()})
            msg = {'method': method, 'namespace': None, 'version': '6.0', 'args': wire}
            cdict[signing.AUTH_KEY] = signer.sign(cdict, msg, 'compute.c1')
            t1 = time.process_time()
            body = _envelope(cdict, msg)
            t2 = time.process_time()
            got_ctxt, got_msg = _unpack(body)
            t3 = time.process_time()
            auth = got_ctxt.pop(signing.AUTH_KEY)
            verifier.verify(auth, got_ctxt, got_msg, ('compute', 'compute.c1'))
            t4 = time.process_time()
            t_sign += t1 - t0
            t_send += t2 - t1
            t_receive += t3 - t2
            t_verify += t4 - t3
        size = len(signing.canonical(msg))
        out[method] = {'bytes': size, 'sign_us': 1e6 * t_sign / args.rounds,
                       'envelope_us': 1e6 * t_send / args.rounds,
                       'unpack_us': 1e6 * t_receive / args.rounds,
                       'verify_us': 1e6 * t_verify / args.rounds}
    mean = sum(sum(v[k] for k in ('sign_us', 'envelope_us', 'unpack_us', 'verify_us'))
               for v in out.values()) / len(out)
    out['per_boot'] = {'messages': args.per_boot, 'cpu_ms': mean * args.per_boot / 1000}
    print(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
