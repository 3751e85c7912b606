"""Instance vm_state values (Nova's strings)."""
ACTIVE = 'active'
BUILDING = 'building'
STOPPED = 'stopped'
ERROR = 'error'
DELETED = 'deleted'
SOFT_DELETED = 'soft-delete'
PAUSED = 'paused'
SUSPENDED = 'suspended'
