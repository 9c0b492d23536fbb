"""The service's exceptions: they decide how the worker settles an event."""


class ConfigurationError(RuntimeError):
    """A required setting is missing or invalid."""


class InvalidOrder(ValueError):
    """An event that is not a valid order. Retrying cannot help: the worker rejects it."""


class TransientError(Exception):
    """A failure that may pass (a downstream outage, a timeout): the worker releases
    the event with a delay, so it is delivered again later."""
