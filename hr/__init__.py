"""HR: the people who run the business.

Will own departments, employees (linked to their staff login), leave and payroll.
"""
