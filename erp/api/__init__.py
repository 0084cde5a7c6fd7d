"""The REST API root: each app mounts its endpoints here under /api/v1/."""
