"""A real worker is killed (SIGKILL) while it sends a tracking e-mail: the broker has
already handed the message over and forgets it, yet the e-mail arrives, exactly once.
And a mail server that stops answering fails the attempt, which is retried.

The mail server is a real SMTP server on 127.0.0.1 that keeps every message it
accepted, and holds the first tracking e-mail's connection open at the end of its
DATA (no "250 OK") until the test has killed the worker sending it: a message the
server never accepted is dropped, as a real server drops it.
"""

import contextlib
import email
import os
import signal
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pytest
from django.db import transaction
from django.db.utils import OperationalError
from django.utils import timezone

from erp.models import SideEffect
from erp.permissions import SYSTEM
from erp.side_effects import side_effects_sweep
from inventory.services import stock_receive
from orders.models import Carrier, Shipment
from orders.services import order_start_picking, shipment_pack, shipment_ship
from orders.tasks import (
    ORDER_CONFIRMATION,
    TRACKING_EMAIL,
    send_order_confirmation,
    send_tracking_email,
)
from tests.factories import ProductFactory, StaffFactory, UserFactory, WarehouseFactory, place_order

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_SECONDS = 8


@dataclass
class MailServer:
    """Accepts every message, except that the first one ``hold`` picks is held."""

    hold: Callable[[Message], bool]
    port: int = 0
    accepted: list[Message] = field(default_factory=list)
    dropped: list[Message] = field(default_factory=list)
    holding: threading.Event = field(default_factory=threading.Event)

    def subjects(self) -> list[str]:
        return sorted(str(message["Subject"]) for message in self.accepted)


def _smtp_handler(server: MailServer) -> type[socketserver.StreamRequestHandler]:
    class Session(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(f"{line}\r\n".encode())

        def handle(self) -> None:
            with contextlib.suppress(ConnectionError, OSError):  # the client went away
                self.converse()

        def converse(self) -> None:
            self.reply("220 127.0.0.1 test mail server")
            while line := self.rfile.readline():
                verb = line[:4].decode("ascii", "replace").upper()
                if verb in ("EHLO", "HELO"):
                    self.reply("250 127.0.0.1")
                elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    if not self.receive():
                        return
                elif verb == "QUIT":
                    self.reply("221 Bye")
                    return
                else:
                    self.reply("502 Command not implemented")

        def receive(self) -> bool:
            lines = []
            while (line := self.rfile.readline()) != b".\r\n":
                if not line:
                    return False
                lines.append(line[1:] if line.startswith(b"..") else line)
            message = email.message_from_bytes(b"".join(lines))
            if not server.holding.is_set() and server.hold(message):
                server.holding.set()
                # no answer: wait until the client goes away, then forget the message
                while self.rfile.readline():
                    pass
                server.dropped.append(message)
                return False
            server.accepted.append(message)
            self.reply("250 OK: queued")
            return True

    return Session


@pytest.fixture
def start_mail_server() -> Iterator[Callable[..., MailServer]]:
    servers: list[socketserver.ThreadingTCPServer] = []

    def start(hold: Callable[[Message], bool]) -> MailServer:
        mail_server = MailServer(hold=hold)
        tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _smtp_handler(mail_server))
        tcp.daemon_threads = True
        threading.Thread(target=tcp.serve_forever, daemon=True).start()
        servers.append(tcp)
        mail_server.port = tcp.server_address[1]
        return mail_server

    yield start
    for tcp in servers:
        tcp.shutdown()
        tcp.server_close()


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.2)


def unlocked(effect: SideEffect) -> bool:
    """Whether no transaction holds the row (the killed worker's has ended)."""
    try:
        with transaction.atomic():
            SideEffect.objects.select_for_update(nowait=True).filter(pk=effect.pk).exists()
    except OperationalError:
        return False
    return True


@pytest.mark.worker
def test_a_worker_killed_while_sending_the_tracking_email_still_sends_it_exactly_once(
    start_worker, start_mail_server, settings, queue_length
):
    settings.SIDE_EFFECT_LEASE_SECONDS = LEASE_SECONDS
    warehouse = WarehouseFactory(code="BER-1")
    tent = ProductFactory(title="Granite Tent")
    stock_receive(user=SYSTEM, product=tent, warehouse=warehouse, quantity=2, unit_cost=1)
    order = place_order([(tent, 1)], user=UserFactory(email="erika@example.com"))
    wes = StaffFactory(username="wes", role="Warehouse")
    order_start_picking(order=order, user=wes)
    shipment = shipment_pack(
        order=order, warehouse=warehouse, quantities={order.lines.get().pk: 1}, user=wes
    )
    shipment_ship(
        shipment=shipment, carrier=Carrier.objects.get(code="dhl"), tracking_number="JJD1", user=wes
    )
    tracking_subject = f"Your order {order.number} is on its way"
    mail = start_mail_server(hold=lambda message: message["Subject"] == tracking_subject)
    environment = {
        "EMAIL_URL": f"smtp://127.0.0.1:{mail.port}",
        "SIDE_EFFECT_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    assert queue_length() == 2  # the confirmation, then the tracking e-mail

    first = start_worker(**environment)
    wait_for(mail.holding.is_set, "the tracking e-mail reaching the mail server")
    os.kill(first.pid, signal.SIGKILL)  # mid-send: after DATA, before the server's 250
    first.wait(timeout=30)
    effect = SideEffect.objects.get(kind=TRACKING_EMAIL, object_id=shipment.pk)
    wait_for(lambda: unlocked(effect), "the killed worker's transaction ending")

    assert first.returncode == -signal.SIGKILL
    assert queue_length() == 0  # the broker handed the message over: it is gone
    assert [str(message["Subject"]) for message in mail.dropped] == [tracking_subject]
    (confirmation_subject,) = mail.subjects()  # the order confirmation went through
    assert order.number in confirmation_subject
    effect.refresh_from_db()
    assert (effect.status, effect.attempts) == ("pending", 1)
    assert Shipment.objects.get().tracking_email_sent_at is None
    assert side_effects_sweep() == 0  # the dead worker's lease still holds it

    leased_until = effect.leased_until
    assert leased_until is not None
    wait_for(lambda: timezone.now() > leased_until, "the lease running out", LEASE_SECONDS + 5)
    assert side_effects_sweep() == 1
    assert side_effects_sweep() == 0  # queued once
    assert queue_length() == 1
    second = start_worker(**environment)
    wait_for(
        lambda: SideEffect.objects.get(pk=effect.pk).status == SideEffect.Status.DONE,
        "the second worker sending the tracking e-mail",
    )

    assert second.poll() is None
    assert mail.subjects() == sorted([confirmation_subject, tracking_subject])  # each once
    (tracking,) = [m for m in mail.accepted if m["Subject"] == tracking_subject]
    assert tracking["To"] == "erika@example.com"
    assert tracking["Message-ID"] == f"<shipment-{shipment.pk}.order-{order.number}@kontor>"
    assert "JJD1" in tracking.as_string()
    effect.refresh_from_db()
    assert (effect.status, effect.attempts) == ("done", 2)
    assert Shipment.objects.get().tracking_email_sent_at is not None
    confirmation = SideEffect.objects.get(kind=ORDER_CONFIRMATION, object_id=order.pk)
    assert (confirmation.status, confirmation.attempts) == ("done", 1)
    # and nothing sends it again: not the sweep, not a late duplicate message
    assert side_effects_sweep() == 0
    assert send_tracking_email(shipment.pk) is False
    assert len(mail.accepted) == 2


def test_a_mail_server_that_stops_answering_fails_the_attempt_which_is_retried(
    start_mail_server, settings
):
    assert 0 < settings.EMAIL_TIMEOUT <= 60  # the project never waits for ever
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_TIMEOUT = 1
    warehouse = WarehouseFactory(code="BER-1")
    tent = ProductFactory(title="Granite Tent")
    stock_receive(user=SYSTEM, product=tent, warehouse=warehouse, quantity=2, unit_cost=1)
    order = place_order([(tent, 1)], user=UserFactory(email="erika@example.com"))
    mail = start_mail_server(hold=lambda message: True)  # the first message: no answer
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", mail.port

    started = time.monotonic()
    assert send_order_confirmation(order.pk) is False

    assert time.monotonic() - started < 10
    effect = SideEffect.objects.get(kind=ORDER_CONFIRMATION, object_id=order.pk)
    assert (effect.status, effect.attempts) == ("pending", 1)
    assert effect.last_error == (
        "SMTPServerDisconnected: Connection unexpectedly closed: timed out"
    )
    assert send_order_confirmation(order.pk) is True  # the retry: the server answers now
    assert [message["To"] for message in mail.accepted] == ["erika@example.com"]
