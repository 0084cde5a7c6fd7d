from typing import Any

import psycopg
from django.db.backends.postgresql import base

from erp import embedded_db


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        if not embedded_db.claim_start():
            return super().get_new_connection(conn_params)
        # Cheap check first: the socket exists while a server runs. A server that
        # died uncleanly leaves its socket behind, hence the one retry.
        if not embedded_db.socket_path().exists():
            embedded_db.ensure_running()
        try:
            return super().get_new_connection(conn_params)
        except psycopg.OperationalError:
            if not embedded_db.ensure_running():
                raise
            return super().get_new_connection(conn_params)
