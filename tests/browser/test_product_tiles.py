"""Product tiles on every list page lay out cleanly in Chromium at a laptop's,
a desktop's and a phone's width: within a tile no two text boxes (name, stars,
price, availability, button) intersect, nothing leaves the tile, a long name
stops after two lines, and the page does not scroll sideways."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from orders.pricing import StockLevel
from tests.factories import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = (
    "Granite Ultralight Four-Season Expedition Dome Tent with Aluminium Poles, "
    "Double Vestibule, Footprint and Gear Loft for Alpine Traverses"
)
UNBROKEN_NAME = "Hyperinsulatedwaterproofbreathablemountaineeringsleepingbagextralong"
LONG_AVAILABILITY = (
    "Only a few left in our Hamburg warehouse, ships within two to four working days"
)

#: the boxes of a tile that hold text, each its own box
TEXT_BOXES = (
    "h3.product-title",
    ".star-rating",
    ".price_color",
    ".list-price",
    ".availability",
    ".product-buy .btn",
)

#: every violation on the page, as readable strings (an empty list: clean tiles)
LAYOUT_PROBLEMS = """(textBoxes) => {
    const problems = [];
    const tiles = Array.from(document.querySelectorAll("article.product_pod"));
    const slack = 0.5;
    const inside = (inner, outer) =>
        inner.left >= outer.left - slack && inner.right <= outer.right + slack &&
        inner.top >= outer.top - slack && inner.bottom <= outer.bottom + slack;
    const intersect = (a, b) =>
        a.left < b.right - slack && b.left < a.right - slack &&
        a.top < b.bottom - slack && b.top < a.bottom - slack;
    tiles.forEach((tile, index) => {
        const name = tile.querySelector("h3.product-title a").getAttribute("title");
        const label = `tile ${index} (${name.slice(0, 20)})`;
        const box = tile.getBoundingClientRect();
        for (const child of tile.querySelectorAll("*")) {
            const rect = child.getBoundingClientRect();
            if (rect.width === 0 && rect.height === 0) continue;  // hidden inputs
            if (!inside(rect, box)) {
                const tag = `<${child.tagName.toLowerCase()} class="${child.className}">`;
                problems.push(`${label}: ${tag} leaves the tile`);
            }
        }
        const boxes = [];
        for (const selector of textBoxes) {
            for (const element of tile.querySelectorAll(selector)) {
                const rect = element.getBoundingClientRect();
                if (rect.width > 0 && rect.height > 0) boxes.push([selector, rect]);
            }
        }
        for (let i = 0; i < boxes.length; i++) {
            for (let j = i + 1; j < boxes.length; j++) {
                if (intersect(boxes[i][1], boxes[j][1])) {
                    problems.push(`${label}: ${boxes[i][0]} intersects ${boxes[j][0]}`);
                }
            }
        }
        const link = tile.querySelector("h3.product-title a");
        const lineHeight = parseFloat(getComputedStyle(link).lineHeight);
        if (link.getBoundingClientRect().height > 2 * lineHeight + slack) {
            problems.push(`${label}: the name takes more than two lines`);
        }
    });
    for (let i = 0; i < tiles.length; i++) {
        for (let j = i + 1; j < tiles.length; j++) {
            if (intersect(tiles[i].getBoundingClientRect(), tiles[j].getBoundingClientRect())) {
                problems.push(`tile ${i} intersects tile ${j}`);
            }
        }
    }
    if (document.documentElement.scrollWidth > window.innerWidth) {
        const scrolled = document.documentElement.scrollWidth;
        problems.push(`the page scrolls sideways: ${scrolled} > ${window.innerWidth}`);
    }
    return problems;
}"""


def seed_awkward_products():
    """Names that need clamping (long, and one with no place to break), big and
    small prices, products in stock, low and out of stock, all in one category."""
    tents = CategoryFactory(name="Tents & Shelters")
    products = [
        ProductFactory(title=LONG_NAME, listing=Decimal("1234567.89"), stock=40),
        ProductFactory(title=UNBROKEN_NAME, listing=Decimal("999999.99"), stock=2),
        ProductFactory(title=f"Trail {LONG_NAME}", listing=Decimal("0.95")),
        ProductFactory(title="Mug", listing=Decimal("4.50"), stock=12),
        ProductFactory(title=f"Summit {LONG_NAME}", listing=Decimal("88888.88"), stock=7),
    ]
    for product in products:
        product.categories.add(tents)
    return tents


def problems_on(page: Page, url: str, tiles: int) -> list[str]:
    page.goto(url)
    expect(page.locator("article.product_pod")).to_have_count(tiles)
    page.wait_for_load_state("load")  # web fonts and images have their final size
    return page.evaluate(LAYOUT_PROBLEMS, list(TEXT_BOXES))


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (1920, 1080), (390, 844)])
def test_tiles_on_every_list_page_hold_their_text_without_overlap(
    browser, live_server, monkeypatch, width: int, height: int
):
    tents = seed_awkward_products()
    # the longest availability text the strategy may give, on every tile in stock
    monkeypatch.setattr(
        StockLevel,
        "message",
        property(lambda level: LONG_AVAILABILITY if level.num_available else "Out of stock"),
    )
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    base = live_server.url
    try:
        pages = {
            "home": (base + "/", 5),
            "catalogue": (base + "/catalogue/", 5),
            "category": (base + tents.get_absolute_url(), 5),
            "search": (base + "/search/?q=tent", 3),
        }
        problems = {name: problems_on(page, url, tiles) for name, (url, tiles) in pages.items()}

        assert problems == {"home": [], "catalogue": [], "category": [], "search": []}
        tile = page.locator("article.product_pod", has_text="Summit").first
        expect(tile.locator(".availability")).to_have_text(LONG_AVAILABILITY)
        expect(tile.locator(".price_color")).to_contain_text("€")
        expect(tile.locator(".product-buy button")).to_have_text("Add to basket")
    finally:
        context.close()


def test_a_long_name_stops_after_two_lines_with_an_ellipsis_and_keeps_its_full_title(
    page: Page, live_server
):
    seed_awkward_products()

    page.goto(live_server.url + "/catalogue/")

    name = page.locator(f'article.product_pod h3.product-title a[title="{LONG_NAME}"]')
    expect(name).to_have_text(LONG_NAME)
    style = name.evaluate(
        """(link) => {
            const style = getComputedStyle(link);
            return {
                clamp: style.webkitLineClamp,
                overflow: style.overflow,
                lines: Math.round(
                    link.getBoundingClientRect().height / parseFloat(style.lineHeight)
                ),
                clipped: link.scrollHeight > link.clientHeight,
            };
        }"""
    )
    assert style == {"clamp": "2", "overflow": "hidden", "lines": 2, "clipped": True}
    mug = page.locator("article.product_pod", has=page.locator('a[title="Mug"]'))
    expect(mug.locator(".price_color")).to_have_text("€4.50")
    out_of_stock = page.locator("article.product_pod", has_text=f"Trail {LONG_NAME}")
    expect(out_of_stock.locator(".availability")).to_have_text("Out of stock")
    button = out_of_stock.locator(".product-buy .btn")
    expect(button).to_have_text("Add to basket")
    expect(button).to_have_class("btn btn-secondary btn-block disabled")
