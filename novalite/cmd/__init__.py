"""Entry points of the novalite daemons and CLI."""
import os
import warnings

# oslo.messaging imports oslo.service, whose only backend installed here is
# eventlet's; novalite never runs on eventlet, so eventlet's green DNS resolver
# (all of dnspython, ~7 MiB per daemon) is not loaded (eventlet's own switch).
os.environ.setdefault('EVENTLET_NO_GREENDNS', 'yes')

# oslo.messaging still imports eventlet-backed modules of oslo.service at import
# time; novalite never uses eventlet, so their deprecation notices are noise.
warnings.filterwarnings('ignore', message='(?s).*[Ee]ventlet')
warnings.filterwarnings('ignore', category=DeprecationWarning, module='oslo_service.*')
