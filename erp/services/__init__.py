"""Writes of the shared kernel, one module per subdomain (import the module you need;
nothing is re-exported here):

- ``heartbeat``: worker heartbeats (``worker_heartbeat_record``)
- ``sequences``: gap-free document numbers (``sequence_next``)
- ``broker``: sending Celery tasks without failing the caller (``task_enqueue``,
  ``enqueue_lease``)
- ``outbox``: events written in the business transaction, dispatched after commit,
  swept and pruned (``outbox_event_record``, ``outbox_batch``, ``outbox_sweep``, ...)
- ``webhooks``: signed deliveries of outbox events (``webhook_delivery_attempt``,
  ``webhook_signature_verify``, ...)
- ``locks``: transaction-scoped advisory locks (``advisory_xact_lock``)
- ``idempotency``: run a request once per Idempotency-Key (``idempotent_request``)
"""
