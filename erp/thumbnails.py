"""Thumbnails made once per image, whatever number of requests ask at the same time.

sorl-thumbnail makes a thumbnail on the first render that asks for it, then
records the source and the thumbnail in its key-value store (a database table
with a cache in front). Several first renders of a catalogue page at once raced
in that store: one request cached "the source is not recorded" just after
another had recorded it, and the second then failed with ``ThumbnailError ...
not in kvstore`` (a 500 with ``DEBUG`` on, an image-less tile with it off).

Invariants kept here (``THUMBNAIL_BACKEND``):

- A thumbnail that is recorded is answered from the store without a lock.
- Making and recording the thumbnails of one source image is serialised across
  threads and processes by a PostgreSQL advisory lock on that source, held until
  its transaction commits; whoever waited finds the file and its record made.
- A render never fails because of a thumbnail: if one cannot be made (a missing
  or unreadable source, a full disk) the page shows the source image itself,
  and the error is logged. Only a database out of reach still raises, so the
  request is answered 503 (``erp.middleware``).
"""

import logging
from typing import Any

from django.db import InterfaceError, OperationalError, connection, transaction
from sorl.thumbnail import default
from sorl.thumbnail.base import ThumbnailBackend
from sorl.thumbnail.conf import defaults as sorl_defaults
from sorl.thumbnail.conf import settings as sorl_settings
from sorl.thumbnail.images import ImageFile

logger = logging.getLogger(__name__)


def _lock_source(source: ImageFile) -> None:
    with connection.cursor() as cursor:
        # the one-key form: a key space apart from erp.services.locks.advisory_xact_lock's
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"thumbnail:{source.key}"])


class SerialisedThumbnailBackend(ThumbnailBackend):
    def get_thumbnail(self, file_: Any, geometry_string: str, **options: Any) -> ImageFile:
        if not file_:
            return super().get_thumbnail(file_, geometry_string, **options)  # sorl's ValueError
        try:
            recorded = self.recorded_thumbnail(file_, geometry_string, options)
            if recorded is not None:
                return recorded
            with transaction.atomic():
                _lock_source(ImageFile(file_))
                thumbnail = super().get_thumbnail(file_, geometry_string, **options)
            if thumbnail.exists():
                return thumbnail
            # sorl answers an unreadable source with the name of a file it never wrote
            logger.warning(
                "no thumbnail %s of %s; showing the image itself", geometry_string, file_
            )
        except (OperationalError, InterfaceError):
            raise
        except Exception:
            logger.exception(
                "no thumbnail %s of %s; showing the image itself", geometry_string, file_
            )
        return ImageFile(file_)

    def recorded_thumbnail(
        self, file_: Any, geometry_string: str, options: dict[str, Any]
    ) -> ImageFile | None:
        """The thumbnail if the store has it. Its name is computed as
        ``ThumbnailBackend.get_thumbnail`` computes it (sorl-thumbnail 13.4; a test
        holds the two equal)."""
        source = ImageFile(file_)
        options = dict(options)
        if sorl_settings.THUMBNAIL_PRESERVE_FORMAT:
            options.setdefault("format", self._get_format(source))
        for key, value in self.default_options.items():
            options.setdefault(key, value)
        for key, attr in self.extra_options:
            value = getattr(sorl_settings, attr)
            if value != getattr(sorl_defaults, attr):
                options.setdefault(key, value)
        name = self._get_thumbnail_filename(source, geometry_string, options)
        return default.kvstore.get(ImageFile(name, default.storage))
