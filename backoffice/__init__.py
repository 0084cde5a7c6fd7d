"""Back office: cross-app read screens, today the role home page at ``/admin/``.

It reads the other apps' selectors and writes nothing, so it sits above every
app it summarises in the layer contract (just below ``shop``).
"""
