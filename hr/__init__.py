"""HR: an empty app, kept as the home of the HR work to come.

Today it holds no models, no admin screens, no services and no API. The HR
role (``erp.roles``) grants every permission of this app (there are none yet)
and the right to view staff accounts, so the ``hr`` demo login sees the staff
user list and nothing else. Departments, employees, leave, timesheets and
payroll are planned here (ARCHITECTURE.md), not built.
"""
