"""Kafka topics of the event contract.

Public topics are for every reader, analytics teams included, and carry no contact data.
Private topics carry personal data: one named writer and one named reader each (see
docs/security.md), and their names start with `hourbank.private.` so that access rules can
tell them apart at a glance.
"""

MEMBERS = "hourbank.members.v1"
REQUESTS = "hourbank.requests.v1"
ESCROW = "hourbank.escrow.v1"
LEDGER = "hourbank.ledger.v1"
DISPUTES = "hourbank.disputes.v1"
NOTIFICATIONS = "hourbank.notifications.v1"
MEMBER_CONTACTS = "hourbank.private.member-contacts.v1"

PUBLIC = (MEMBERS, REQUESTS, ESCROW, LEDGER, DISPUTES, NOTIFICATIONS)
PRIVATE = (MEMBER_CONTACTS,)
ALL = PUBLIC + PRIVATE
