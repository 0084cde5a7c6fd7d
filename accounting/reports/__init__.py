"""Financial reports in the back office: trial balance, profit and loss, balance
sheet and receivables aging, each as a page and as CSV with the same filters.

What these pages keep true:

- figures come from ``accounting.selectors``, aggregated in SQL: a constant
  number of queries per page however large the ledger is;
- bad filter input (an unparsable date, a period that ends before it starts)
  never fails the request: the page says what was wrong and shows the
  default instead;
- charts are inline SVG drawn here on the server: no JavaScript, readable by
  screen readers (a title and per-bar values), and printable;
- CSV cells that spreadsheets would run as formulas are defused.

The pages are in ``views``, the SVG charts in ``charts``; the CSV helpers are
the kernel's (``erp.csv_export``), shared with the inventory valuation report.
"""
