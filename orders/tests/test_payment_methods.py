"""Payment-method codes have one definition: ``orders.payment_gateways.PaymentMethod``."""

import re
from pathlib import Path

from orders.payment_gateways import GATEWAYS, PaymentMethod

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounting", "crm", "erp", "hr", "inventory", "orders", "shop", "backoffice")


def test_every_payment_method_has_one_gateway_and_every_gateway_a_method():
    assert set(GATEWAYS) == set(PaymentMethod)
    assert all(gateway.code == code for code, gateway in GATEWAYS.items())


def test_no_application_module_spells_a_payment_method_code_out():
    codes = "|".join(re.escape(method.value) for method in PaymentMethod)
    literal = re.compile(rf"""["']({codes})["']""")
    # accounting's own Payment.Method (how money moved) shares the word "bank_transfer"
    allowed = {ROOT / "orders" / "payment_gateways.py", ROOT / "accounting" / "models.py"}
    spelled = [
        f"{path.relative_to(ROOT)}:{number}"
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if path not in allowed and "migrations" not in path.parts and "tests" not in path.parts
        for number, text in enumerate(path.read_text().splitlines(), start=1)
        if literal.search(text)
    ]
    assert spelled == []
