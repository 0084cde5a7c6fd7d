"""Concurrent first renders of a catalogue page make each thumbnail once and
every tile gets it (issue 13, item 15).

Eight browsers ask for the catalogue at the same moment, on products whose
images nobody has rendered yet (fresh files, an emptied thumbnail store and
cache). Before, they raced in sorl-thumbnail's store (``ThumbnailError ... not in
kvstore``: a 500 with ``DEBUG`` on, a tile without an image with it off); now
every answer is 200 and every tile shows a thumbnail that serves.
"""

import io
import re
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from oscar.core.loading import get_model
from PIL import Image
from sorl.thumbnail import delete as thumbnail_delete
from sorl.thumbnail import get_thumbnail
from sorl.thumbnail.models import KVStore

from erp.thumbnails import SerialisedThumbnailBackend
from tests.factories import ProductFactory

ProductImage = get_model("catalogue", "ProductImage")
TILE_IMAGE = re.compile(r'<article class="product_pod">.*?<img src="([^"]*)"', re.DOTALL)
BROWSERS = 8
PRODUCTS = 12


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def served() -> Iterator[list[str]]:
    """Media URLs a test saw; their files are deleted afterwards."""
    urls: list[str] = []
    yield urls
    for url in urls:
        default_storage.delete(url.removeprefix(django_settings.MEDIA_URL))


@pytest.fixture
def fresh_images(transactional_db: None) -> Iterator[list[Any]]:
    images = []
    for number in range(PRODUCTS):
        image = ProductImage(product=ProductFactory(), display_order=0)
        image.original.save(
            f"race-{uuid.uuid4().hex[:12]}.jpg", ContentFile(_jpeg((number * 20, 90, 160)))
        )
        images.append(image)
    KVStore.objects.all().delete()
    caches["default"].clear()
    yield images
    for image in images:
        thumbnail_delete(image.original)  # the source file, its thumbnails and records


def _get(url: str) -> tuple[int, bytes, str]:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - the live server
        return response.status, response.read(), response.headers.get("Content-Type", "")


def test_parallel_first_renders_give_every_tile_a_thumbnail_that_serves(
    live_server: Any, fresh_images: list[Any], served: list[str], settings: Any
) -> None:
    settings.DEBUG = False
    start = threading.Barrier(BROWSERS)
    pages: list[tuple[int, str]] = []
    failures: list[BaseException] = []

    def browse() -> None:
        start.wait()
        try:
            status, body, _ = _get(f"{live_server.url}/catalogue/")
            pages.append((status, body.decode()))
        except BaseException as error:  # an HTTP 500 arrives here as HTTPError
            failures.append(error)

    browsers = [threading.Thread(target=browse) for _ in range(BROWSERS)]
    for browser in browsers:
        browser.start()
    for browser in browsers:
        browser.join(timeout=120)

    assert failures == []
    assert [status for status, _ in pages] == [200] * BROWSERS
    tiles = [TILE_IMAGE.findall(body) for _, body in pages]
    served.extend({url for urls in tiles for url in urls if url})
    assert [len(urls) for urls in tiles] == [PRODUCTS] * BROWSERS
    assert [url for url in tiles[0] if not url.startswith("/media/cache/")] == []
    assert tiles == [tiles[0]] * BROWSERS  # one thumbnail per image, the same for everyone
    for url in tiles[0]:
        status, content, content_type = _get(f"{live_server.url}{url}")
        assert (status, content_type) == (200, "image/jpeg")
        assert Image.open(io.BytesIO(content)).size == (207, 155)  # "x155", 4:3


def test_a_thumbnail_that_cannot_be_made_shows_the_image_itself(fresh_images: list[Any]) -> None:
    broken = fresh_images[0].original
    broken.storage.save(broken.name.replace(".jpg", "-broken.jpg"), ContentFile(b"not a jpeg"))
    name = broken.name.replace(".jpg", "-broken.jpg")

    thumbnail = SerialisedThumbnailBackend().get_thumbnail(name, "x155")

    assert thumbnail.name == name
    broken.storage.delete(name)


def test_the_lock_free_lookup_names_the_thumbnail_as_sorl_does(fresh_images: list[Any]) -> None:
    source = fresh_images[0].original

    made = get_thumbnail(source, "x155", upscale=False)
    found = SerialisedThumbnailBackend().recorded_thumbnail(source, "x155", {"upscale": False})

    assert found is not None
    assert found.name == made.name
