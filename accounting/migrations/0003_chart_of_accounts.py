"""A standard small-business chart of accounts and the posting rules that say
which account each kind of posting uses (both editable in the back office);
the staff roles extended to the ledger (erp/roles.py)."""

from django.db import migrations

from erp.roles import sync_role_groups

CHART = [
    ("1000", "Cash", "asset"),
    ("1200", "Bank", "asset"),
    ("1400", "Accounts receivable", "asset"),
    ("1500", "Inventory", "asset"),
    ("2000", "Accounts payable", "liability"),
    ("2100", "Goods received not invoiced", "liability"),
    ("2200", "Sales tax payable", "liability"),
    ("2300", "Customer prepayments", "liability"),
    ("2400", "Wages payable", "liability"),
    ("3000", "Owner's equity", "equity"),
    ("3100", "Retained earnings", "equity"),
    ("4000", "Sales revenue", "income"),
    ("4100", "Shipping income", "income"),
    ("5000", "Cost of goods sold", "expense"),
    ("5100", "Inventory adjustments", "expense"),
    ("6000", "Wages expense", "expense"),
    ("6100", "Rent", "expense"),
    ("6200", "Bank and card fees", "expense"),
]

RULES = {
    "cash": "1000",
    "bank": "1200",
    "receivable": "1400",
    "inventory": "1500",
    "payable": "2000",
    "grni": "2100",
    "tax_payable": "2200",
    "customer_prepayments": "2300",
    "equity": "3000",
    "retained_earnings": "3100",
    "revenue": "4000",
    "shipping_income": "4100",
    "cogs": "5000",
    "inventory_adjustment": "5100",
    "wages": "6000",
}


def seed_chart(apps, schema_editor):
    Account = apps.get_model("accounting", "Account")
    PostingRule = apps.get_model("accounting", "PostingRule")
    for code, name, kind in CHART:
        Account.objects.get_or_create(code=code, defaults={"name": name, "type": kind})
    for role, code in RULES.items():
        PostingRule.objects.get_or_create(
            role=role, defaults={"account": Account.objects.get(code=code)}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounting", "0002_journal"),
        ("erp", "0003_document_sequences"),
    ]

    operations = [
        migrations.RunPython(seed_chart, migrations.RunPython.noop),
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
