from django.apps import AppConfig


class PurchasingConfig(AppConfig):
    name = "purchasing"
    verbose_name = "Purchasing"

    def ready(self) -> None:
        # lower apps call up through registries, never by importing purchasing
        from accounting.audit import ledger_check_register
        from accounting.bank import bank_outgoing_matcher_register
        from accounting.reports.views import ReportLink, report_link_register
        from purchasing.audit import purchasing_books_checks
        from purchasing.bank_matching import supplier_payment_match

        bank_outgoing_matcher_register(supplier_payment_match)
        ledger_check_register(purchasing_books_checks)
        report_link_register(
            ReportLink(
                "Payables aging",
                "purchasing-documents:payables-aging",
                "Open supplier bills by days past due.",
            )
        )
        report_link_register(
            ReportLink(
                "Payment proposal",
                "purchasing-documents:payment-proposal",
                "Supplier bills due by a date, what to pay per supplier.",
            )
        )
