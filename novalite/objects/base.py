"""A tiny base for plain data objects that travel over RPC.

Nova uses oslo.versionedobjects; novalite keeps the idea (a named, versioned
primitive) with plain classes: ``fields`` lists the attributes,
``to_primitive()`` gives a JSON-safe dict, ``from_primitive()`` rebuilds it.
Datetimes travel as ISO 8601 strings.
"""
import datetime

_DT_SUFFIX = '__dt'


# Most values are these (every RPC message's every field passes here): they
# are told by their exact type first, before the isinstance checks.
_PLAIN = frozenset((str, int, float, bool, type(None)))


def _encode(value):
    cls = type(value)
    if cls in _PLAIN:
        return value
    if cls is dict:
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, datetime.datetime):
        return {_DT_SUFFIX: value.isoformat()}
    if isinstance(value, NovaliteObject):
        return value.to_primitive()
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value):
    cls = type(value)
    if cls in _PLAIN:
        return value
    if isinstance(value, dict):
        if _DT_SUFFIX in value and len(value) == 1:
            return datetime.datetime.fromisoformat(value[_DT_SUFFIX])
        if 'novalite_object.name' in value:
            return NovaliteObject.obj_from_primitive(value)
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


class NovaliteObject:
    """Plain attribute bag with a fixed field list and a wire format."""
    VERSION = '1.0'
    fields = ()
    _registry = {}
    _names = frozenset()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        NovaliteObject._registry[cls.__name__] = cls
        cls._names = frozenset(cls.fields)

    def __init__(self, **kwargs):
        unknown = kwargs.keys() - self._names
        if unknown:
            raise TypeError('%s has no fields %s' % (type(self).__name__, sorted(unknown)))
        self.__dict__.update(dict.fromkeys(self.fields), **kwargs)

    @classmethod
    def from_values(cls, values):
        """The object of ``values``' fields (other keys ignored, missing
        fields None): what a list makes of each of its many rows."""
        obj = cls.__new__(cls)
        names = cls._names
        obj.__dict__.update(dict.fromkeys(cls.fields),
                            **{k: v for k, v in values.items() if k in names})
        return obj

    def to_primitive(self):
        return {'novalite_object.name': type(self).__name__,
                'novalite_object.version': self.VERSION,
                'novalite_object.data': {f: _encode(getattr(self, f)) for f in self.fields}}

    @staticmethod
    def obj_from_primitive(primitive):
        cls = NovaliteObject._registry[primitive['novalite_object.name']]
        data = primitive['novalite_object.data']
        names = cls._names
        return cls(**{k: _decode(v) for k, v in data.items() if k in names})

    def as_dict(self):
        return {f: getattr(self, f) for f in self.fields}

    def __repr__(self):
        return '%s(%s)' % (type(self).__name__,
                           ', '.join('%s=%r' % (f, getattr(self, f)) for f in self.fields[:4]))

    def __eq__(self, other):
        return type(self) is type(other) and self.as_dict() == other.as_dict()


def serialize(value):
    return _encode(value)


def deserialize(value):
    return _decode(value)
