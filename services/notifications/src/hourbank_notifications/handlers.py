"""The one reaction of notifications: an event from elsewhere becomes notifications.

One unit of work per event that concerns someone: inbox claim, the member directory kept up
to date, a row per notification, an email delivery where the member has an address and wants
one, one `NotificationCreated` per notification on the outbox, one commit. A redelivered
event finds its inbox claim and does nothing. An event that concerns no one costs no
transaction at all.

The directory takes names and roles from either version of `member.registered` (both come
for each registration; the second changes nothing) and addresses only from the private
member-contacts topic.
"""

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

from hourbank_notifications.adapters.repositories import CHANNELS, EMAIL
from hourbank_notifications.domain.recipients import MAPPINGS, recipients
from hourbank_notifications.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import Clock
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.disputes import DisputeOpened
from hourbank_shared.contracts.member_contacts import MemberContactChanged
from hourbank_shared.contracts.members import MemberRegistered, MemberRegisteredV2
from hourbank_shared.contracts.notifications import NotificationCreated
from hourbank_shared.contracts.reports import ReportFiled
from hourbank_shared.envelope import Envelope

CONSUMER = "notifications"
DIRECTORY_EVENTS = (MemberRegistered, MemberRegisteredV2, MemberContactChanged)
"""They change who is who and where email goes, even though they notify nobody."""
TOLD_TO_ADMINS = (DisputeOpened, ReportFiled)
"""New work in the admins' queues: every admin hears of it."""


@dataclass(frozen=True)
class Context:
    uow: Callable[[], SqlUnitOfWork]
    clock: Clock
    email_enabled: bool = False


_NOTICED: tuple[type[Event], ...] = (*MAPPINGS, *DIRECTORY_EVENTS, *TOLD_TO_ADMINS)
WORTH_PARSING = frozenset(kind.TYPE for kind in _NOTICED)
"""The event types that may concern someone: a record of any other type (escrow's, most of the
ledger's, `request.submitted`) is dropped by its `ce_type` header, unparsed, as the other
consumers skip the types they have no handler for."""


def concerns_no_one(event: Event) -> bool:
    """Nobody hears of it and the directory does not change (escrow events, most ledger
    entries): nothing to write, so no unit of work and no inbox claim."""
    return not isinstance(event, DIRECTORY_EVENTS + TOLD_TO_ADMINS) and not recipients(event)


def notify(ctx: Context, envelope: Envelope, event: Event) -> list[UUID]:
    """The ids of the notifications created (none on a redelivery)."""
    created: list[UUID] = []
    if concerns_no_one(event):
        return created
    with ctx.uow() as uow:
        if not uow.inbox.claim(CONSUMER, envelope.id, envelope.type):
            return created
        if isinstance(event, MemberRegistered | MemberRegisteredV2):
            # v1's `email` is ignored, even on old events: addresses come from the private topic
            uow.members.register(event.member_id, event.display_name, event.roles)
        elif isinstance(event, MemberContactChanged):
            uow.contacts.record(event.member_id, event.email, event.sequence)
        admins = uow.members.admins() if isinstance(event, TOLD_TO_ADMINS) else []
        notes = recipients(event, admins)
        emails = uow.contacts.emails([n.member_id for n in notes]) if ctx.email_enabled else {}
        now = ctx.clock.now()
        disabled = uow.preferences.disabled([n.member_id for n in notes])
        for note in notes:
            channels = [c for c in CHANNELS if (note.type, c) not in disabled[note.member_id]]
            if note.member_id not in emails and EMAIL in channels:
                channels.remove(EMAIL)
            if not channels:
                continue
            notification_id = uuid4()
            uow.notifications.add(notification_id, note, now)
            if EMAIL in channels:
                uow.deliveries.enqueue(notification_id, emails[note.member_id], now)
            uow.outbox.add(
                NotificationCreated(
                    notification_id=notification_id,
                    member_id=note.member_id,
                    notification_type=note.type,
                    title=note.title,
                    message=note.message,
                    related_id=note.related_id,
                    channels=channels,
                    created_at=now,
                ),
                caused_by=envelope,
                time=now,
            )
            created.append(notification_id)
        uow.commit()
    return created
