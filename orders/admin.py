from oscar.apps.order.admin import *  # noqa: F403 - Oscar's order screens, until fulfilment lands
