"""The libvirt virt driver (seed steps 3.13-3.16)."""
