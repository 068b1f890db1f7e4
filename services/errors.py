"""Domain errors raised by services and turned into translated replies by handlers."""


class DomainError(Exception):
    """A rule of gigbot refused the request; nothing was changed."""


class UnknownLanguage(DomainError):
    """The language is not one gigbot speaks."""


class UnknownTimezone(DomainError):
    """The name is not an IANA time zone."""
