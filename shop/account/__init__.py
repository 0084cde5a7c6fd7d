"""Customer self-service on the storefront: order tracking, cancel, returns, guest lookup."""
