"""Admin of reminders: the log of every reminder e-mail, and the public's subscriptions."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from fairprog.admin_actions import service_action
from proposals.models import ReminderDelivery, ReminderSubscription
from proposals.services import reminders


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(admin.ModelAdmin):
    """Every reminder e-mail: what, to whom, when, and how it went. Read-only: deliveries
    change only by being sent (or re-sent, with the action)."""

    list_display = ["send_at", "state", "what", "email", "attempts", "sent_at", "note", "deadline"]
    list_filter = ["state", "kind", "offset_days", "deadline__cycle"]
    list_select_related = ["deadline__cycle", "deadline__award"]
    search_fields = ["email", "recipient", "message_id", "deadline__label"]
    date_hierarchy = "send_at"
    readonly_fields = [field.name for field in ReminderDelivery._meta.fields]
    actions = [
        service_action(
            lambda delivery: reminders.delivery_resend(delivery=delivery),
            name="resend",
            description="Send the selected reminders again",
            done="queued to send again",
        )
    ]

    @admin.display(description="what", ordering="offset_days")
    def what(self, delivery: ReminderDelivery) -> str:
        if delivery.kind == ReminderDelivery.Kind.CHANGED:
            return "change notice"
        return f"{delivery.offset_days}-day reminder"

    @admin.display(description="error or note")
    def note(self, delivery: ReminderDelivery) -> str:
        text = delivery.last_error
        return text if len(text) <= 60 else f"{text[:57]}…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ReminderSubscription)
class ReminderSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "program", "cycle", "time_zone", "confirmed_at", "unsubscribed_at"]
    list_filter = [
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("unsubscribed_at", admin.EmptyFieldListFilter),
        "program",
        "cycle",
    ]
    list_select_related = ["program", "cycle"]
    search_fields = ["email"]
    readonly_fields = ["created_at", "confirmation_sent_at", "confirmed_at", "unsubscribed_at"]
