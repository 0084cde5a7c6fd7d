"""The demo catalogue: ~200 products in 10 categories, with generated images.

Everything is derived from a fixed random seed, so every machine gets the same
products, SKUs, EAN-13 barcodes, prices, weights, dimensions and standard costs.
Products are found again by UPC, which makes seeding idempotent.
"""

import io
import random
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from oscar.core.loading import get_model
from PIL import Image, ImageDraw, ImageFont

from inventory.models import ProductSpecification

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductClass = get_model("catalogue", "ProductClass")
ProductImage = get_model("catalogue", "ProductImage")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")

PARTNER_CODE = settings.SHOP_PARTNER_CODE
#: per category: packed weight range in kg and a typical box (length, width, height cm)
PACKED = {
    "TEN": ((1.2, 9.0), (55, 22, 20)),
    "SLP": ((0.4, 2.2), (40, 25, 25)),
    "BAG": ((0.6, 3.2), (60, 35, 22)),
    "FTW": ((0.7, 2.2), (34, 24, 13)),
    "JKT": ((0.25, 1.2), (35, 28, 8)),
    "KIT": ((0.1, 1.6), (25, 20, 15)),
    "LIT": ((0.08, 1.2), (20, 12, 8)),
    "HND": ((0.2, 1.8), (35, 15, 6)),
    "PWR": ((0.1, 1.1), (25, 18, 6)),
    "WRK": ((0.1, 1.6), (35, 28, 10)),
}
PRODUCTS_PER_CATEGORY = 20
IMAGE_SIZE = 600


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name: str
    colour: tuple[int, int, int]
    items: tuple[tuple[str, tuple[str, ...]], ...]  # noun and its variants
    price_range: tuple[int, int]
    blurb: str


CATEGORIES = [
    CategorySpec(
        "TEN",
        "Tents & Shelters",
        (63, 125, 88),
        (
            ("Dome Tent", ("2P", "3P", "4P", "Storm 2P", "Ultralight 1P")),
            ("Tunnel Tent", ("2P", "3P", "4P", "Storm 3P")),
            ("Trekking Tarp", ("3 x 3 m", "4 x 3 m", "Ultralight")),
            ("Bivy Shelter", ("Solo", "Ultralight", "Winter")),
            ("Family Tent", ("4P", "6P", "8P", "Air 6P")),
        ),
        (49, 649),
        "Pitches in minutes, sheds wind and rain, packs down small.",
    ),
    CategorySpec(
        "SLP",
        "Sleeping Bags & Mats",
        (70, 90, 150),
        (
            ("Down Sleeping Bag", ("-10 °C", "-5 °C", "0 °C", "Long -5 °C")),
            ("Synthetic Sleeping Bag", ("-5 °C", "0 °C", "+5 °C", "Compact")),
            ("Sleeping Mat", ("Self-Inflating", "Air Insulated", "Foam", "Wide")),
            ("Camp Pillow", ("Inflatable", "Compressible", "Down")),
            ("Sleeping Bag Liner", ("Silk", "Cotton", "Thermal", "Merino")),
        ),
        (19, 429),
        "Warmth you can count on, rated to EN ISO 23537.",
    ),
    CategorySpec(
        "BAG",
        "Backpacks",
        (150, 92, 55),
        (
            ("Daypack", ("18 L", "22 L", "28 L", "Women's 24 L")),
            ("Trekking Pack", ("45 L", "55 L", "65 L", "Women's 50 L")),
            ("Travel Pack", ("35 L", "40 L Carry-On", "55 L")),
            ("Hydration Pack", ("8 L", "12 L", "Race 5 L")),
            ("Expedition Duffel", ("40 L", "70 L", "100 L", "Wheeled 90 L")),
        ),
        (29, 289),
        "Adjustable back system, hip-belt pockets and a rain cover.",
    ),
    CategorySpec(
        "FTW",
        "Footwear",
        (120, 72, 60),
        (
            ("Hiking Boot", ("Mid GTX", "Leather", "Wide", "Women's Mid")),
            ("Approach Shoe", ("Low", "Mid", "Women's Low")),
            ("Trail Runner", ("Low", "GTX", "Wide", "Women's")),
            ("Camp Sandal", ("Classic", "Closed Toe", "Women's")),
            ("Winter Boot", ("Insulated", "Leather", "Women's", "Extreme -40 °C")),
        ),
        (39, 259),
        "Grippy outsole, cushioned midsole and a waterproof membrane.",
    ),
    CategorySpec(
        "JKT",
        "Jackets & Layers",
        (190, 70, 70),
        (
            ("Rain Jacket", ("Men's", "Women's", "Packable", "Pro 3L")),
            ("Down Jacket", ("Men's", "Women's", "Hooded", "Ultralight")),
            ("Fleece Jacket", ("Men's", "Women's", "Grid Hoody")),
            ("Softshell Jacket", ("Men's", "Women's", "Hooded", "Windproof")),
            ("Insulated Vest", ("Men's", "Women's", "Hybrid")),
        ),
        (35, 399),
        "Layer it, pack it, and stay dry when the weather turns.",
    ),
    CategorySpec(
        "KIT",
        "Camp Kitchen",
        (200, 140, 40),
        (
            ("Gas Stove", ("Compact", "Titanium", "Integrated 1 L", "Two-Burner")),
            ("Cook Set", ("Solo", "Duo", "Family", "Titanium")),
            ("Insulated Mug", ("350 ml", "450 ml", "Steel", "Double-Wall")),
            ("Water Filter", ("Squeeze", "Gravity 4 L", "Straw")),
            ("Cutlery Set", ("Titanium", "Steel", "Spork")),
        ),
        (9, 179),
        "Light, robust and easy to clean after a long day outside.",
    ),
    CategorySpec(
        "LIT",
        "Lights & Power",
        (215, 180, 30),
        (
            ("Headlamp", ("400 lm", "800 lm", "Rechargeable", "Running")),
            ("Camp Lantern", ("250 lm", "Solar", "Rechargeable")),
            ("Power Bank", ("10 000 mAh", "20 000 mAh", "Rugged")),
            ("Solar Panel", ("14 W", "21 W", "28 W")),
            ("Torch", ("1000 lm", "Rechargeable", "Pocket", "Dive")),
        ),
        (15, 229),
        "USB-C charging, long run times and a lock-out for your pack.",
    ),
    CategorySpec(
        "HND",
        "Hand Tools",
        (90, 100, 110),
        (
            ("Claw Hammer", ("450 g", "600 g", "Fibreglass")),
            ("Screwdriver Set", ("6-piece", "12-piece", "Insulated VDE", "Precision")),
            ("Combination Pliers", ("180 mm", "200 mm", "Insulated VDE")),
            ("Hand Saw", ("Fine Cut 500 mm", "Universal 550 mm", "Pull Saw", "Hacksaw")),
            ("Chisel Set", ("4-piece", "6-piece", "Bevel Edge", "Mortise")),
        ),
        (8, 129),
        "Forged steel and ergonomic grips for daily professional use.",
    ),
    CategorySpec(
        "PWR",
        "Power Tool Accessories",
        (40, 120, 160),
        (
            ("Drill Bit Set", ("HSS 19-piece", "Masonry 5-piece", "Wood 8-piece", "Cobalt")),
            ("Circular Saw Blade", ("190 mm 24T", "190 mm 48T", "216 mm 60T")),
            ("Sanding Discs", ("P80 x50", "P120 x50", "P240 x50", "Mesh P180")),
            ("Battery Pack", ("18 V 2 Ah", "18 V 5 Ah", "12 V 3 Ah")),
            ("Bit Holder", ("Magnetic", "Quick-Release", "Impact")),
        ),
        (7, 149),
        "Fits the common tool systems; long life under heavy load.",
    ),
    CategorySpec(
        "WRK",
        "Workwear & Safety",
        (110, 80, 140),
        (
            ("Work Trousers", ("Knee Pad", "Stretch", "Winter", "Women's")),
            ("Safety Boot", ("S3 Mid", "S3 Low", "S1P Trainer")),
            ("Work Gloves", ("Cut C", "Winter", "Nitrile Grip", "Leather")),
            ("Hi-Vis Vest", ("Class 2", "Class 3", "Mesh")),
            ("Safety Glasses", ("Clear Anti-Fog", "Tinted", "Over-Glasses")),
        ),
        (6, 189),
        "Certified protection that is comfortable all shift long.",
    ),
]

LINES = (
    "Alder",
    "Basalt",
    "Cairn",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Heath",
    "Ibex",
    "Juniper",
    "Kestrel",
    "Lynx",
    "Moraine",
    "Nordkap",
    "Orca",
    "Pinnacle",
)


@dataclass(frozen=True)
class ProductSpec:
    upc: str
    sku: str
    title: str
    description: str
    price: Decimal
    category: CategorySpec


def ean13(body: str) -> str:
    """Append the EAN-13 check digit to a 12-digit body."""
    digits = [int(char) for char in body]
    total = sum(digit * (3 if index % 2 else 1) for index, digit in enumerate(digits))
    return body + str((10 - total % 10) % 10)


def product_specs() -> list[ProductSpec]:
    rng = random.Random(20261126)
    specs: list[ProductSpec] = []
    for category_index, category in enumerate(CATEGORIES):
        combos = [(noun, variant) for noun, variants in category.items for variant in variants]
        rng.shuffle(combos)
        chosen: list[tuple[str, str, str]] = []
        while len(chosen) < PRODUCTS_PER_CATEGORY:  # a popular model comes in two lines
            noun, variant = combos[len(chosen) % len(combos)]
            line = rng.choice(LINES)
            if (line, noun, variant) not in chosen:
                chosen.append((line, noun, variant))
        for index, (line, noun, variant) in enumerate(chosen):
            low, high = category.price_range
            price = Decimal(rng.randint(low, high)) + Decimal("0.95")
            number = category_index * 100 + index + 1
            specs.append(
                ProductSpec(
                    upc=ean13(f"40{number:010d}"),
                    sku=f"{category.code}-{number:04d}",
                    title=f"{line} {noun} {variant}",
                    description=(
                        f"The {line} {noun.lower()} ({variant}). {category.blurb} "
                        f"Backed by our two-year warranty and 30-day returns."
                    ),
                    price=price,
                    category=category,
                )
            )
    return specs


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def product_image(spec: ProductSpec) -> bytes:
    """A clean product tile: category colour, a simple emblem, the name."""
    red, green, blue = spec.category.colour
    image = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), (246, 244, 240))
    draw = ImageDraw.Draw(image)
    tint = (
        (red + 3 * 246) // 4,
        (green + 3 * 244) // 4,
        (blue + 3 * 240) // 4,
    )
    draw.rounded_rectangle((40, 40, IMAGE_SIZE - 40, IMAGE_SIZE - 40), radius=48, fill=tint)
    centre = IMAGE_SIZE // 2
    seed = int(spec.upc[-4:])
    shape = seed % 3
    box = (centre - 120, centre - 170, centre + 120, centre + 70)
    if shape == 0:
        draw.ellipse(box, fill=spec.category.colour)
    elif shape == 1:
        draw.rounded_rectangle(box, radius=36, fill=spec.category.colour)
    else:
        draw.polygon(
            [(centre, centre - 180), (centre + 140, centre + 70), (centre - 140, centre + 70)],
            fill=spec.category.colour,
        )
    initials = "".join(word[0] for word in spec.title.split()[:2]).upper()
    draw.text((centre, centre - 50), initials, fill="white", font=_font(96), anchor="mm")
    words = spec.title.split()
    draw.text(
        (centre, centre + 130), " ".join(words[:2]), fill=(40, 40, 40), font=_font(40), anchor="mm"
    )
    draw.text(
        (centre, centre + 180), " ".join(words[2:]), fill=(80, 80, 80), font=_font(32), anchor="mm"
    )
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def _categories() -> dict[str, object]:
    by_code = {}
    for spec in CATEGORIES:
        category = Category.objects.filter(slug=_slug(spec.name)).first()
        if category is None:
            category = Category.objects.add_root(
                {
                    "name": spec.name,
                    "slug": _slug(spec.name),
                    "description": spec.blurb,
                    "is_public": True,
                }
            )
        by_code[spec.code] = category
    return by_code


def _slug(name: str) -> str:
    from django.utils.text import slugify

    return slugify(name.replace("&", "and"))


def seed_catalogue() -> int:
    """Create the demo catalogue where missing; returns the product count."""
    currency = settings.OSCAR_DEFAULT_CURRENCY
    with transaction.atomic():
        product_class, _ = ProductClass.objects.get_or_create(
            slug="goods",
            defaults={"name": "Goods", "requires_shipping": True, "track_stock": True},
        )
        partner, _ = Partner.objects.get_or_create(
            code=PARTNER_CODE, defaults={"name": settings.OSCAR_SHOP_NAME}
        )
        categories = _categories()
    specs = product_specs()
    existing = set(
        Product.objects.filter(upc__in=[s.upc for s in specs]).values_list("upc", flat=True)
    )
    for spec in specs:
        if spec.upc in existing:
            continue
        with transaction.atomic():
            product = Product.objects.create(
                upc=spec.upc,
                title=spec.title,
                description=spec.description,
                product_class=product_class,
                structure=Product.STANDALONE,
                is_public=True,
            )
            ProductCategory.objects.create(product=product, category=categories[spec.category.code])
            StockRecord.objects.create(
                product=product,
                partner=partner,
                partner_sku=spec.sku,
                price=spec.price,
                price_currency=currency,
            )
            image = ProductImage(product=product, caption=spec.title, display_order=0)
            image.original.save(
                f"{spec.sku.lower()}.jpg", ContentFile(product_image(spec)), save=False
            )
            image.save()
    seed_specifications(specs)
    return Product.objects.filter(upc__in=[s.upc for s in specs]).count()


def specification(spec: ProductSpec) -> dict[str, Decimal]:
    """A plausible packed weight, box and standard cost (about half the list price),
    the same on every machine."""
    rng = random.Random(spec.upc)
    (lightest, heaviest), box = PACKED[spec.category.code]
    length, width, height = (Decimal(side * rng.uniform(0.8, 1.2)) for side in box)
    return {
        "weight_kg": Decimal(rng.uniform(lightest, heaviest)).quantize(Decimal("0.001")),
        "length_cm": length.quantize(Decimal("0.1")),
        "width_cm": width.quantize(Decimal("0.1")),
        "height_cm": height.quantize(Decimal("0.1")),
        "standard_cost": (spec.price * Decimal(rng.uniform(0.45, 0.6))).quantize(Decimal("0.01")),
    }


def seed_specifications(specs: list[ProductSpec]) -> int:
    """Give every demo product without one its specification; returns how many."""
    ids = dict(Product.objects.filter(upc__in=[s.upc for s in specs]).values_list("upc", "pk"))
    have = set(
        ProductSpecification.objects.filter(product_id__in=ids.values()).values_list(
            "product_id", flat=True
        )
    )
    missing = [
        ProductSpecification(product_id=ids[spec.upc], **specification(spec))
        for spec in specs
        if spec.upc in ids and ids[spec.upc] not in have
    ]
    ProductSpecification.objects.bulk_create(missing)
    return len(missing)


def demo_products() -> list[object]:
    """The demo products with their listings, in catalogue order."""
    upcs = [spec.upc for spec in product_specs()]
    return list(
        Product.objects.filter(upc__in=upcs).prefetch_related("stockrecords").order_by("upc")
    )
