"""CRM: customer accounts and what was negotiated with them.

Will own B2B companies and their buyers, contacts, price lists (fixed prices,
category discounts, quantity breaks), payment terms, credit limits and leads.
"""
