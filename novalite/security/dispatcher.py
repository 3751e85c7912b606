"""The RPC dispatcher that runs only verified, allowed messages."""
import logging

from oslo_messaging.rpc import dispatcher as rpc_dispatcher

from novalite import exception
from novalite.security import policy
from novalite.security import signing

LOG = logging.getLogger(__name__)


class VerifyingDispatcher(rpc_dispatcher.RPCDispatcher):
    """Before dispatch: check the signature (sender, freshness, nonce), the
    caller table and the arguments; then hand the verified identity to the
    context serializer.  A refusal goes back to a caller as the novalite
    exception and is logged here, never a traceback."""

    def __init__(self, endpoints, serializer, topic, server, verifier):
        super().__init__(endpoints, serializer)
        self.topic, self.verifier = topic, verifier
        self.recipients = (topic, '%s.%s' % (topic, server)) if server else (topic,)

    def admit(self, incoming):
        ctxt, message = incoming.ctxt, incoming.message
        auth = ctxt.pop(signing.AUTH_KEY, None)
        ctxt.pop(signing.IDENTITY_KEY, None)
        identity = self.verifier.verify(auth, ctxt, message, self.recipients)
        policy.admit(identity, self.topic, message, ctxt)
        ctxt[signing.IDENTITY_KEY] = list(identity)
        LOG.debug('Admitted RPC %s.%s from %s', self.topic, message.get('method'), identity)
        return identity

    def dispatch(self, incoming):
        try:
            self.admit(incoming)
        except exception.NovaliteException as e:
            LOG.warning('Refused RPC %s.%s: %s', self.topic,
                        incoming.message.get('method'), e.format_message())
            raise rpc_dispatcher.ExpectedException()
        return super().dispatch(incoming)
