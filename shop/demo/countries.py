"""Countries the demo business ships to: the EU, the UK and the US."""

from typing import Any

from oscar.core.loading import get_model

Country = get_model("address", "Country")

# ISO 3166-1 alpha-2, alpha-3, numeric, short name
SHIPPING_COUNTRIES = [
    ("AT", "AUT", "040", "Austria"),
    ("BE", "BEL", "056", "Belgium"),
    ("BG", "BGR", "100", "Bulgaria"),
    ("HR", "HRV", "191", "Croatia"),
    ("CY", "CYP", "196", "Cyprus"),
    ("CZ", "CZE", "203", "Czechia"),
    ("DK", "DNK", "208", "Denmark"),
    ("EE", "EST", "233", "Estonia"),
    ("FI", "FIN", "246", "Finland"),
    ("FR", "FRA", "250", "France"),
    ("DE", "DEU", "276", "Germany"),
    ("GR", "GRC", "300", "Greece"),
    ("HU", "HUN", "348", "Hungary"),
    ("IE", "IRL", "372", "Ireland"),
    ("IT", "ITA", "380", "Italy"),
    ("LV", "LVA", "428", "Latvia"),
    ("LT", "LTU", "440", "Lithuania"),
    ("LU", "LUX", "442", "Luxembourg"),
    ("MT", "MLT", "470", "Malta"),
    ("NL", "NLD", "528", "Netherlands"),
    ("PL", "POL", "616", "Poland"),
    ("PT", "PRT", "620", "Portugal"),
    ("RO", "ROU", "642", "Romania"),
    ("SK", "SVK", "703", "Slovakia"),
    ("SI", "SVN", "705", "Slovenia"),
    ("ES", "ESP", "724", "Spain"),
    ("SE", "SWE", "752", "Sweden"),
    ("GB", "GBR", "826", "United Kingdom"),
    ("US", "USA", "840", "United States"),
]
FIRST_IN_LISTS = {"DE": 3, "GB": 2, "US": 1}


def seed_countries() -> int:
    """Create or update the shipping countries; returns how many exist."""
    for code, alpha3, numeric, name in SHIPPING_COUNTRIES:
        defaults: dict[str, Any] = {
            "iso_3166_1_a3": alpha3,
            "iso_3166_1_numeric": numeric,
            "printable_name": name,
            "name": name,
            "is_shipping_country": True,
            "display_order": FIRST_IN_LISTS.get(code, 0),
        }
        Country.objects.update_or_create(iso_3166_1_a2=code, defaults=defaults)
    return len(SHIPPING_COUNTRIES)
