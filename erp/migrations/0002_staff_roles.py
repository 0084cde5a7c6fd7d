"""Create the staff role groups (see erp/roles.py)."""

from django.db import migrations

from erp.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("erp", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("address", "0007_useraddress_code"),
        ("catalogue", "0032_category_exclude_from_menu_category_long_description"),
        ("customer", "0008_assign_permissions_to_staff"),
        ("offer", "0013_range_excluded_categories"),
        ("order", "0021_billingaddress_code_shippingaddress_code"),
        ("partner", "0007_partneraddress_code"),
        ("shipping", "0003_auto_20181115_1953"),
        ("voucher", "0010_auto_20210224_0712"),
        ("inventory", "0001_initial"),
        ("accounting", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
