"""Back-office screens for webhooks: the subscriptions staff manage, and the
outbox and delivery log, read-only for everyone. The user admin lives in
``erp.users_admin`` (imported here so the admin site finds it).

Nobody adds or changes events or deliveries by hand: events are written by the
business transactions that cause them, deliveries by their dispatch and
attempts, and the one write here, "Retry now", is
``erp.services.webhooks.webhook_delivery_retry``. Side effects (e-mails that must go
out once) are listed the same way; "Retry now" on a failed one is
``erp.side_effects.side_effect_retry``.
"""

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from erp import side_effects, users_admin  # noqa: F401  (registers the user admin)
from erp.admin_site import ReadOnlyAdmin, ReadOnlyInline
from erp.models import OutboxEvent, SideEffect, WebhookDelivery, WebhookSubscription
from erp.services import webhooks


def _deliveries_url(**filters: Any) -> str:
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return f"{reverse('admin:erp_webhookdelivery_changelist')}?{query}"


class WebhookSubscriptionForm(forms.ModelForm):
    # declared for assume_scheme: "example.com/hooks" means https; the model
    # field's own validators (http or https only) still run
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text=WebhookSubscription._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        choices=OutboxEvent.Name.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The events this receiver wants.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["url", "description", "events", "is_active", "secret"]
        widgets = {"secret": forms.TextInput(attrs={"size": 60, "autocomplete": "off"})}


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["url", "description", "event_list", "is_active", "delivery_stats"]
    list_display_links = ["url"]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookSubscription]:
        status = WebhookDelivery.Status
        return (
            super()
            .get_queryset(request)
            .annotate(
                delivered_count=Count("deliveries", filter=Q(deliveries__status=status.DELIVERED)),
                pending_count=Count("deliveries", filter=Q(deliveries__status=status.PENDING)),
                failed_count=Count("deliveries", filter=Q(deliveries__status=status.FAILED)),
            )
        )

    @admin.display(description="events")
    def event_list(self, subscription: WebhookSubscription) -> str:
        return ", ".join(subscription.events)

    @admin.display(description="deliveries")
    def delivery_stats(self, subscription: Any) -> str:
        return format_html(
            '<a href="{}">{} delivered, {} pending, {} failed</a>',
            _deliveries_url(subscription__id__exact=subscription.pk),
            subscription.delivered_count,
            subscription.pending_count,
            subscription.failed_count,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """The delivery log; failed deliveries can be retried."""

    list_display = [
        "pk",
        "event_name",
        "event_id",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "last_attempt_at",
    ]
    list_filter = ["status", "event__event", "subscription"]
    list_select_related = ["event", "subscription"]
    search_fields = ["event__id", "subscription__url", "last_error"]
    fields = [
        "event",
        "subscription",
        "status",
        "attempts",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "last_status_code",
        "last_error",
        "response_excerpt",
    ]
    actions = ["retry_now"]

    @admin.display(description="event", ordering="event__event")
    def event_name(self, delivery: WebhookDelivery) -> str:
        return delivery.event.event

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("erp.change_webhookdelivery")

    @admin.action(description="Retry now (failed deliveries)", permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        retried = skipped = 0
        for delivery_id in queryset.order_by("pk").values_list("pk", flat=True):
            if webhooks.webhook_delivery_retry(delivery_id=delivery_id):
                retried += 1
            else:
                skipped += 1
        if retried:
            self.message_user(
                request,
                f"{retried} delivery(ies) queued for a new round of attempts.",
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                f"{skipped} delivery(ies) skipped: only failed deliveries can be retried.",
                messages.WARNING,
            )


class DeliveryInline(ReadOnlyInline):
    model = WebhookDelivery
    fields = ["subscription", "status", "attempts", "last_status_code", "last_error"]
    show_change_link = True


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    """The outbox: what happened, and whether it has been fanned out."""

    list_display = ["event", "id", "created_at", "dispatched_at", "delivery_count"]
    list_filter = ["event", ("dispatched_at", admin.EmptyFieldListFilter)]
    search_fields = ["id"]
    fields = ["id", "event", "created_at", "dispatched_at", "payload_pretty"]
    inlines = [DeliveryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutboxEvent]:
        return super().get_queryset(request).annotate(delivery_total=Count("deliveries"))

    @admin.display(description="deliveries", ordering="delivery_total")
    def delivery_count(self, event: Any) -> str:
        return format_html(
            '<a href="{}">{}</a>', _deliveries_url(event__id__exact=event.pk), event.delivery_total
        )

    @admin.display(description="payload")
    def payload_pretty(self, event: OutboxEvent) -> str:
        text = json.dumps(event.payload, indent=2, sort_keys=True, ensure_ascii=False)
        return format_html('<pre style="margin: 0">{}</pre>', text)


@admin.register(SideEffect)
class SideEffectAdmin(ReadOnlyAdmin):
    """What must happen once (e-mails), and whether it has: failed rows wait here
    for staff to retry them."""

    list_display = [
        "pk",
        "kind",
        "subject_link",
        "status",
        "attempts",
        "last_error",
        "outcome",
        "due_at",
        "leased_until",
        "done_at",
    ]
    list_filter = ["status", "kind"]
    list_select_related = ["content_type"]
    search_fields = ["=object_id", "last_error", "outcome"]
    fields = [
        "kind",
        "subject_link",
        "status",
        "attempts",
        "created_at",
        "due_at",
        "leased_until",
        "last_attempt_at",
        "done_at",
        "outcome",
        "last_error",
    ]
    actions = ["retry_now"]

    @admin.display(description="about")
    def subject_link(self, effect: SideEffect) -> str:
        model = effect.content_type.model_class()
        label = f"{effect.content_type.name} {effect.object_id}"
        if model is None:
            return label
        try:
            url = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
                args=[effect.object_id],
            )
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("erp.change_sideeffect")

    @admin.action(description="Retry now (failed side effects)", permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[SideEffect]) -> None:
        retried = skipped = 0
        for effect_id in queryset.order_by("pk").values_list("pk", flat=True):
            if side_effects.side_effect_retry(effect_id=effect_id):
                retried += 1
            else:
                skipped += 1
        if retried:
            self.message_user(
                request,
                f"{retried} side effect(s) queued for a new round of attempts.",
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                f"{skipped} side effect(s) skipped: only failed ones can be retried.",
                messages.WARNING,
            )
