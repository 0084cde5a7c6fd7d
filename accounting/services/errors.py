class AccountingError(Exception):
    """A posting or document was refused; the message is meant for people."""
