"""Fork of Oscar's ``search`` app: browse and search on PostgreSQL.

Oscar 4.2 browses through django-haystack; with the ``simple`` backend the
catalogue lists no products (django-oscar #4366), and with Whoosh a page costs
~126 queries. Here browse, category pages and search are plain querysets from
``shop.selectors`` with PostgreSQL full-text search, a constant number of
queries per page.
"""
