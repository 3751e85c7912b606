"""The image JSON-Schemas: served at /v2/schemas/image(s) and used to
validate request bodies, as Glance does (its field names and types)."""
import jsonschema

DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi',
                'iso', 'ploop']
CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed']
UUID_PATTERN = ('^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}'
                '-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$')

# Keys a client may not write, and keys Glance keeps for itself.
READ_ONLY = ('created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size',
             'direct_url', 'self', 'file', 'schema', 'stores', 'locations',
             'os_hash_algo', 'os_hash_value')
RESERVED = ('location', 'deleted', 'deleted_at')
RESERVED_PREFIX = 'os_glance'


def _s(types, description, **extra):
    return dict(type=types, description=description, **extra)


def _ro(types, description, **extra):
    return _s(types, description, readOnly=True, **extra)


PROPERTIES = {
    'id': _s('string', 'Image identifier (a UUID)', pattern=UUID_PATTERN),
    'name': _s(['null', 'string'], 'Name of the image', maxLength=255),
    'status': _ro('string', 'Image status', enum=[
        'queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing',
        'pending_delete', 'deactivated']),
    'visibility': _s('string', 'Who can see the image',
                     enum=['community', 'public', 'private', 'shared']),
    'protected': _s('boolean', 'A protected image cannot be deleted'),
    'os_hidden': _s('boolean', 'Hidden images are left out of the default list'),
    'checksum': _ro(['null', 'string'], 'MD5 of the image data', maxLength=32),
    'os_hash_algo': _ro(['null', 'string'], 'Algorithm of os_hash_value', maxLength=64),
    'os_hash_value': _ro(['null', 'string'], 'Hex digest of the image data',
                         maxLength=128),
    'owner': _s(['null', 'string'], 'Project owning the image', maxLength=255),
    'size': _ro(['null', 'integer'], 'Size of the image data in bytes'),
    'virtual_size': _ro(['null', 'integer'], 'Virtual size of the image in bytes'),
    'container_format': _s(['null', 'string'], 'Container format',
                           enum=[None] + CONTAINER_FORMATS),
    'disk_format': _s(['null', 'string'], 'Disk format', enum=[None] + DISK_FORMATS),
    'created_at': _ro('string', 'Creation time'),
    'updated_at': _ro('string', 'Last modification time'),
    'tags': _s('array', 'Tags of the image',
               items={'type': 'string', 'maxLength': 255}),
    'direct_url': _ro('string', 'URL of the data in its store'),
    'min_ram': _s('integer', 'RAM (MiB) needed to boot the image'),
    'min_disk': _s('integer', 'Disk (GiB) needed to boot the image'),
    'self': _ro('string', 'URL of the image'),
    'file': _ro('string', 'URL of the image data'),
    'stores': _ro('string', 'Stores holding the data'),
    'schema': _ro('string', 'URL of the image schema'),
    'locations': _s('array', 'Locations of the data',
                    items={'type': 'object', 'properties': {
                        'url': {'type': 'string', 'maxLength': 255},
                        'metadata': {'type': 'object'}},
                        'required': ['url', 'metadata']}),
}

IMAGE = {
    'name': 'image',
    'properties': PROPERTIES,
    'additionalProperties': {'type': 'string'},
    'links': [{'rel': 'self', 'href': '{self}'},
              {'rel': 'enclosure', 'href': '{file}'},
              {'rel': 'describedby', 'href': '{schema}'}],
}

IMAGES = {
    'name': 'images',
    'properties': {
        'images': {'type': 'array', 'items': IMAGE},
        'schema': {'type': 'string'},
        'first': {'type': 'string'},
        'next': {'type': 'string'},
    },
    'links': [{'rel': 'first', 'href': '{first}'},
              {'rel': 'next', 'href': '{next}'},
              {'rel': 'describedby', 'href': '{schema}'}],
}

_VALIDATOR = jsonschema.Draft4Validator(IMAGE)


def validation_error(obj):
    """Glance's message when ``obj`` does not match the image schema, or None."""
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(obj))
    if error is None:
        return None
    return "Provided object does not match schema 'image': %s" % error.message
