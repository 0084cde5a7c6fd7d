"""CRM: customer accounts and what was negotiated with them.

Owns B2B companies and their buyers (the logins that order for them),
contacts and addresses, price lists (fixed prices, category discounts,
quantity breaks), payment terms and credit limits, with their admin screens
and the one price resolution every channel calls (``selectors.price_quotes``).
Leads are not modelled yet.
"""
