"""Every write of the servicetags app, by noun: orders (and the units they register), transfers, and the
daily reminder sweep. Callers pass objects fetched through the visibility gate; `now` comes from the edge."""

from servicetags.services.orders import clean_address, order_create, order_from_values
from servicetags.services.reminders import SweepResult, transfer_reminder_sweep
from servicetags.services.transfers import (
    expected_confirmation,
    transfer_confirm,
    transfer_create,
    transfer_reject,
    transfer_submit,
    transfer_update,
)
from servicetags.validation import ADDRESS_FIELDS

__all__ = [
    "ADDRESS_FIELDS",
    "SweepResult",
    "clean_address",
    "expected_confirmation",
    "order_create",
    "order_from_values",
    "transfer_confirm",
    "transfer_create",
    "transfer_reject",
    "transfer_reminder_sweep",
    "transfer_submit",
    "transfer_update",
]
