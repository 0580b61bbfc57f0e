"""Errors that are the client's doing. Their message is shown; every other error is masked and logged."""


class ClientError(Exception):
    """Bad input the client can fix (malformed id, missing field...): shown as-is, changes nothing."""

    code = "BAD_USER_INPUT"


class NotFound(ClientError):
    code = "NOT_FOUND"
