"""Bodies of POST /flavors/{id}/action addTenantAccess / removeTenantAccess."""


def _tenant_action(name):
    return {
        'type': 'object',
        'properties': {
            name: {
                'type': 'object',
                'properties': {'tenant': {'type': 'string', 'minLength': 1,
                                          'maxLength': 255,
                                          'pattern': r'^[a-zA-Z0-9-_]*$'}},
                'required': ['tenant'],
                'additionalProperties': False,
            },
        },
        'required': [name],
        'additionalProperties': False,
    }


add_tenant_access = _tenant_action('addTenantAccess')
remove_tenant_access = _tenant_action('removeTenantAccess')
