"""Entry points of the novalite daemons and CLI."""
import warnings

# oslo.messaging still imports eventlet-backed modules of oslo.service at import
# time; novalite never uses eventlet, so their deprecation notices are noise.
warnings.filterwarnings('ignore', message='(?s).*[Ee]ventlet')
warnings.filterwarnings('ignore', category=DeprecationWarning, module='oslo_service.*')
