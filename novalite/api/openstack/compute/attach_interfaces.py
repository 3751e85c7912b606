"""os-interface: the ports attached to a server (Nova's attach_interfaces;
list and show), read from the network service with the caller's token.
2.70 adds each interface's device ``tag``."""
from novalite.api.openstack import faults
from novalite.api.openstack import wsgi
from novalite.compute import api as compute_api
from novalite.network import neutron
from novalite import policy

POLICY = 'os_compute_api:os-attach-interfaces:%s'


def _view(port, tags=None):
    """``tags`` ({port id: tag}) from 2.70, else None."""
    info = {'net_id': port['network_id'], 'port_id': port['id'],
            'mac_addr': port['mac_address'], 'port_state': port['status'],
            'fixed_ips': port.get('fixed_ips')}
    if tags is not None:
        info['tag'] = tags.get(port['id'])
    return info


class InterfaceAttachmentController:
    def __init__(self):
        self.compute_api = compute_api.API()
        self.network_api = neutron.API()

    def _instance(self, req, server_id, rule):
        instance = self.compute_api.get(req.context, server_id)
        policy.authorize(req.context, POLICY % rule,
                         target={'project_id': instance.project_id})
        return instance

    @staticmethod
    def _tags(req, instance):
        if not req.is_at_least('2.70'):
            return None
        return {vif['id']: vif.get('tag') for vif in instance.network_info or []}

    @wsgi.expected_errors((404, 501))
    def index(self, req, server_id):
        instance = self._instance(req, server_id, 'list')
        ports = self.network_api.list_ports(req.context, device_id=instance.uuid)
        tags = self._tags(req, instance)
        return {'interfaceAttachments': [_view(p, tags) for p in ports]}

    @wsgi.expected_errors((403, 404))
    def show(self, req, server_id, id):
        instance = self._instance(req, server_id, 'show')
        port = self.network_api.show_port(req.context, id)
        if port.get('device_id') != instance.uuid:
            raise faults.Fault(404, 'Instance %s does not have a port with id %s'
                                    % (server_id, id))
        return {'interfaceAttachment': _view(port, self._tags(req, instance))}


