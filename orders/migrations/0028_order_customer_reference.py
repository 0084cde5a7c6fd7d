"""The buyer's own order reference (their PO number) on the order; like the
number, totals and customer it is part of the placed order, so the
immutability trigger of 0026 now covers it too."""

from django.db import migrations, models

TRIGGER_SQL = r"""
CREATE OR REPLACE FUNCTION order_placed_is_immutable() RETURNS trigger AS $$
BEGIN
    IF (NEW.number, NEW.currency, NEW.total_incl_tax, NEW.total_excl_tax,
        NEW.shipping_incl_tax, NEW.shipping_excl_tax, NEW.guest_email,
        NEW.customer_reference)
       IS DISTINCT FROM
       (OLD.number, OLD.currency, OLD.total_incl_tax, OLD.total_excl_tax,
        OLD.shipping_incl_tax, OLD.shipping_excl_tax, OLD.guest_email,
        OLD.customer_reference)
       OR (NEW.user_id IS DISTINCT FROM OLD.user_id AND NEW.user_id IS NOT NULL)
    THEN
        RAISE EXCEPTION 'order % is placed: its number, totals, reference and customer cannot be changed; correct it with a cancellation, a return or a credit note', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

PREVIOUS_TRIGGER_SQL = r"""
CREATE OR REPLACE FUNCTION order_placed_is_immutable() RETURNS trigger AS $$
BEGIN
    IF (NEW.number, NEW.currency, NEW.total_incl_tax, NEW.total_excl_tax,
        NEW.shipping_incl_tax, NEW.shipping_excl_tax, NEW.guest_email)
       IS DISTINCT FROM
       (OLD.number, OLD.currency, OLD.total_incl_tax, OLD.total_excl_tax,
        OLD.shipping_incl_tax, OLD.shipping_excl_tax, OLD.guest_email)
       OR (NEW.user_id IS DISTINCT FROM OLD.user_id AND NEW.user_id IS NOT NULL)
    THEN
        RAISE EXCEPTION 'order % is placed: its number, totals and customer cannot be changed; correct it with a cancellation, a return or a credit note', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("order", "0027_carrier_link_rule_and_pending_emails"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="customer_reference",
            field=models.CharField(
                blank=True, default="", max_length=64, verbose_name="your order reference"
            ),
        ),
        migrations.RunSQL(sql=TRIGGER_SQL, reverse_sql=PREVIOUS_TRIGGER_SQL),
    ]
