"""Fork of Oscar's ``basket`` app: a line's "price when added" means what it says.

Oscar stores a line's unit price when it is added and warns when the current
price differs. With quantity breaks and net B2B prices, Oscar's comparison was
wrong twice over: it stored the price for one unit while the line is charged
the break price for its quantity, and it compared gross figures computed two
ways (four decimals against the two it stores). Here:

- a line stores the unit price for its quantity whenever its quantity is set
  (added, changed in the basket, added again): that is the price the buyer
  chose at, so only a later change of the price itself is news;
- the warning compares in the figures the buyer is shown (net for a B2B
  buyer, gross for a consumer), both in whole cents, and says which.

The schema is Oscar's: the fork keeps Oscar's migrations.
"""
