"""Kafka topics of the event contract."""

MEMBERS = "hourbank.members.v1"
REQUESTS = "hourbank.requests.v1"
ESCROW = "hourbank.escrow.v1"
LEDGER = "hourbank.ledger.v1"
DISPUTES = "hourbank.disputes.v1"
NOTIFICATIONS = "hourbank.notifications.v1"

ALL = (MEMBERS, REQUESTS, ESCROW, LEDGER, DISPUTES, NOTIFICATIONS)
