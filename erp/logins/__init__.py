"""Logins: the lockout after failed attempts (django-axes, ``erp.logins.lockout``),
its back-office screens with an unlock action (``erp.logins.admin``), and what a
password change revokes (``erp.logins.passwords``)."""
