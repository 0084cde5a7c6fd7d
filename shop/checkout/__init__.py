"""Fork of Oscar's ``checkout`` app: the storefront's checkout flow.

A shortage found while the order is placed (another customer bought the last
units a moment earlier) sends the customer back to the basket with a message
naming each short product and how many are available; nothing is placed.
"""
