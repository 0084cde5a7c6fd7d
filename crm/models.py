"""crm models: none yet; see the package docstring for what this app will own."""
