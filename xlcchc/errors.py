"""The error types whose message is written for the user (Vietnamese, one sentence, no traceback)."""


class XlcchcError(Exception):
    """Base of every error the CLI and the Excel buttons show as-is to the user."""
