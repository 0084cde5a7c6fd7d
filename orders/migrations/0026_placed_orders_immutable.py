"""A placed order is a posted document: PostgreSQL refuses to change it.

Every order row is placed when it is inserted (``OrderCreator`` writes order,
lines and line prices in the placing transaction), so from then on an UPDATE
that changes what was sold, for how much or to whom is refused with
``restrict_violation`` (Django's ``IntegrityError``), whoever sends it:

- ``order_order``: number, currency, the four totals and the customer
  (``user_id``, ``guest_email``; a deleted account may still become NULL);
- ``order_line``: order, product (NULL when the product is deleted), SKU,
  quantity and the six price columns;
- ``order_lineprice``: order, line, quantity and prices.

Status, date placed (the demo seed backdates its history), allocation flags
and other bookkeeping columns stay writable; the
corrections themselves are new documents (cancel, return, credit note). The
Warehouse role loses ``order.change_order`` and ``order.change_returnrequest``
(cancelling and authorising returns are Sales' and Manager's; ``erp.roles``).
"""

from django.db import migrations

from erp.roles import sync_role_groups

IMMUTABLE_ORDERS_SQL = r"""
CREATE FUNCTION order_placed_is_immutable() RETURNS trigger AS $$
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
CREATE TRIGGER order_placed_is_immutable
    BEFORE UPDATE ON order_order
    FOR EACH ROW EXECUTE FUNCTION order_placed_is_immutable();

CREATE FUNCTION order_line_placed_is_immutable() RETURNS trigger AS $$
BEGIN
    IF (NEW.order_id, NEW.partner_sku, NEW.quantity,
        NEW.line_price_incl_tax, NEW.line_price_excl_tax,
        NEW.line_price_before_discounts_incl_tax, NEW.line_price_before_discounts_excl_tax,
        NEW.unit_price_incl_tax, NEW.unit_price_excl_tax)
       IS DISTINCT FROM
       (OLD.order_id, OLD.partner_sku, OLD.quantity,
        OLD.line_price_incl_tax, OLD.line_price_excl_tax,
        OLD.line_price_before_discounts_incl_tax, OLD.line_price_before_discounts_excl_tax,
        OLD.unit_price_incl_tax, OLD.unit_price_excl_tax)
       OR (NEW.product_id IS DISTINCT FROM OLD.product_id AND NEW.product_id IS NOT NULL)
    THEN
        RAISE EXCEPTION 'line % of a placed order cannot change its product, quantity or prices; correct it with a cancellation, a return or a credit note', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER order_line_placed_is_immutable
    BEFORE UPDATE ON order_line
    FOR EACH ROW EXECUTE FUNCTION order_line_placed_is_immutable();

CREATE FUNCTION order_lineprice_placed_is_immutable() RETURNS trigger AS $$
BEGIN
    IF (NEW.order_id, NEW.line_id, NEW.quantity, NEW.price_incl_tax, NEW.price_excl_tax,
        NEW.shipping_incl_tax, NEW.shipping_excl_tax)
       IS DISTINCT FROM
       (OLD.order_id, OLD.line_id, OLD.quantity, OLD.price_incl_tax, OLD.price_excl_tax,
        OLD.shipping_incl_tax, OLD.shipping_excl_tax)
    THEN
        RAISE EXCEPTION 'line price % of a placed order cannot be changed', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER order_lineprice_placed_is_immutable
    BEFORE UPDATE ON order_lineprice
    FOR EACH ROW EXECUTE FUNCTION order_lineprice_placed_is_immutable();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS order_placed_is_immutable ON order_order;
DROP FUNCTION IF EXISTS order_placed_is_immutable();
DROP TRIGGER IF EXISTS order_line_placed_is_immutable ON order_line;
DROP FUNCTION IF EXISTS order_line_placed_is_immutable();
DROP TRIGGER IF EXISTS order_lineprice_placed_is_immutable ON order_lineprice;
DROP FUNCTION IF EXISTS order_lineprice_placed_is_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("order", "0025_counted_in_analytics"),
    ]

    operations = [
        migrations.RunSQL(sql=IMMUTABLE_ORDERS_SQL, reverse_sql=DROP_SQL),
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
