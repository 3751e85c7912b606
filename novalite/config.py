"""Argument and configuration parsing, as Nova's nova/config.py.

Every entry point (the daemons in ``novalite/cmd/`` and the WSGI application
in ``novalite/api/wsgi.py``) parses its configuration here and nowhere else.
"""
import os
import warnings

from oslo_config import cfg
from oslo_log import log as logging

from novalite import conf as _conf  # noqa: F401 - registers every option
from novalite import version

CONF = cfg.CONF
DEFAULT_CONFIG_FILE = '/etc/novalite/novalite.conf'
CONFIG_FILE_ENV = 'NOVALITE_CONFIG_FILE'
_LOGGING_REGISTERED = False


def _quiet_warnings():
    warnings.filterwarnings('ignore', category=DeprecationWarning)
    warnings.filterwarnings('ignore', message='(?s).*[Ee]ventlet')


def parse_args(argv, default_config_files=None, configure_logging=True):
    """Parse ``argv[1:]`` (command-line options and ``--config-file``) into
    CONF and set up logging."""
    global _LOGGING_REGISTERED
    _quiet_warnings()
    if not _LOGGING_REGISTERED:
        logging.register_options(CONF)
        _LOGGING_REGISTERED = True
    CONF(argv[1:], project='novalite', version=version.version_string(),
         default_config_files=default_config_files)
    if configure_logging:
        logging.setup(CONF, 'novalite')


def wsgi_config_files():
    """The config files of the API under a WSGI server: never the server's
    argv, but ``$NOVALITE_CONFIG_FILE`` (one path, or several separated by
    commas) or /etc/novalite/novalite.conf when it exists."""
    env = os.environ.get(CONFIG_FILE_ENV)
    if env:
        return [p for p in env.split(',') if p]
    return [DEFAULT_CONFIG_FILE] if os.path.exists(DEFAULT_CONFIG_FILE) else []


def parse_wsgi_config():
    parse_args(['novalite-api'], default_config_files=wsgi_config_files())
