"""Invoices and credit notes carry the seller (legal name, address, VAT ID,
registration, bank account), the buyer's VAT ID and the customer's order
reference, as issued.

Documents issued before this migration get the seller the settings name now
(what they were printed with until now) and their order's reference; from
then on PostgreSQL refuses to change what a document says about seller and
buyer: an issued invoice prints the same whatever the settings say later.
"""

from django.conf import settings
from django.db import migrations, models

TRIGGER_SQL = r"""
CREATE FUNCTION accounting_invoice_parties_are_immutable() RETURNS trigger AS $$
BEGIN
    IF (NEW.seller_legal_name, NEW.seller_address, NEW.seller_vat_id,
        NEW.seller_registration, NEW.seller_bank_iban, NEW.seller_bank_bic,
        NEW.buyer_vat_id, NEW.customer_reference, NEW.billing_name, NEW.billing_address)
       IS DISTINCT FROM
       (OLD.seller_legal_name, OLD.seller_address, OLD.seller_vat_id,
        OLD.seller_registration, OLD.seller_bank_iban, OLD.seller_bank_bic,
        OLD.buyer_vat_id, OLD.customer_reference, OLD.billing_name, OLD.billing_address)
    THEN
        RAISE EXCEPTION 'invoice % is issued: its seller and buyer cannot be changed; correct it with a credit note', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounting_invoice_parties_are_immutable
    BEFORE UPDATE ON accounting_invoice
    FOR EACH ROW EXECUTE FUNCTION accounting_invoice_parties_are_immutable();
"""

REVERSE_TRIGGER_SQL = r"""
DROP TRIGGER IF EXISTS accounting_invoice_parties_are_immutable ON accounting_invoice;
DROP FUNCTION IF EXISTS accounting_invoice_parties_are_immutable();
"""


def snapshot_issued_documents(apps, schema_editor):
    Invoice = apps.get_model("accounting", "Invoice")
    Order = apps.get_model("order", "Order")
    Invoice.objects.update(
        seller_legal_name=settings.SELLER_LEGAL_NAME,
        seller_address=settings.SELLER_ADDRESS,
        seller_vat_id=settings.SELLER_VAT_ID,
        seller_registration=settings.SELLER_REGISTRATION,
        seller_bank_iban=settings.SELLER_BANK_IBAN,
        seller_bank_bic=settings.SELLER_BANK_BIC,
    )
    references = Order.objects.exclude(customer_reference="").values_list(
        "pk", "customer_reference"
    )
    for order_id, reference in references.iterator():
        Invoice.objects.filter(order_id=order_id).update(customer_reference=reference)


class Migration(migrations.Migration):
    dependencies = [
        ("accounting", "0005_analyze_accounts"),
        ("order", "0028_order_customer_reference"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="buyer_vat_id",
            field=models.CharField(blank=True, max_length=32, verbose_name="buyer's VAT ID"),
        ),
        migrations.AddField(
            model_name="invoice",
            name="customer_reference",
            field=models.CharField(
                blank=True, max_length=64, verbose_name="customer's order reference"
            ),
        ),
        migrations.AddField(
            model_name="invoice",
            name="seller_address",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="invoice",
            name="seller_bank_bic",
            field=models.CharField(blank=True, max_length=11, verbose_name="seller's BIC"),
        ),
        migrations.AddField(
            model_name="invoice",
            name="seller_bank_iban",
            field=models.CharField(blank=True, max_length=42, verbose_name="seller's IBAN"),
        ),
        migrations.AddField(
            model_name="invoice",
            name="seller_legal_name",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="invoice",
            name="seller_registration",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="invoice",
            name="seller_vat_id",
            field=models.CharField(blank=True, max_length=32, verbose_name="seller's VAT ID"),
        ),
        migrations.RunPython(snapshot_issued_documents, migrations.RunPython.noop),
        migrations.RunSQL(TRIGGER_SQL, REVERSE_TRIGGER_SQL),
    ]
