"""Helpers shared by the compute manager and the conductor (Nova's
``compute/utils.py``)."""
import traceback

from novalite import exception


def fault_message(exc):
    """An instance fault's message: the domain error's text (or the class
    and text of an unexpected one), never a traceback."""
    if isinstance(exc, exception.NovaliteException):
        return exc.format_message()
    return '%s: %s' % (type(exc).__name__, exc)


def fault_details(exc):
    """The traceback kept in the fault's details (admins only)."""
    return ''.join(traceback.format_exception(exc)) if exc.__traceback__ else ''
