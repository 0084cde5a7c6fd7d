class OrderError(Exception):
    """An order operation was refused; the message is meant for people."""
