/** One request's story across the four services, merged by time: its history (requests), the
 * hold's moves (escrow), its disputes' steps (disputes) and what members were told
 * (notifications). Each service keeps its own clock; entries at the same instant keep the
 * order of the saga (request, escrow, dispute, notification). */

import type { DisputeDetail, Escrow, EscrowMove, HistoryStep, Notification } from './types'

export type Source = 'request' | 'escrow' | 'dispute' | 'notification'

export interface Entry {
  at: string
  source: Source
  what: string
  detail: string
  who: string | null
}

const ORDER: Source[] = ['request', 'escrow', 'dispute', 'notification']

export function fromHistory(steps: HistoryStep[]): Entry[] {
  return steps.map((s) => ({
    at: s.at,
    source: 'request',
    what: `${s.from_status ?? '—'} → ${s.to_status}`,
    detail: [s.trigger, s.detail].filter(Boolean).join(': '),
    who: s.actor_id ?? s.actor,
  }))
}

/** Each posting to a member's account, as "+0.75 to <member>"; the escrow and community-fund
 * sides are left out (the hold's own change is `escrowed_delta`). */
function postingsOf(move: EscrowMove): string {
  return move.postings
    .filter((p) => p.account !== 'escrow' && p.account !== 'community-fund')
    .map((p) => `${p.amount.startsWith('-') ? p.amount : `+${p.amount}`} h member ${p.account.slice(0, 8)}`)
    .join(', ')
}

export function fromEscrow(escrow: Escrow): Entry[] {
  return escrow.moves.map((m) => ({
    at: m.posted_at,
    source: 'escrow',
    what: m.type,
    detail: [`hold ${m.escrowed_delta.startsWith('-') ? m.escrowed_delta : `+${m.escrowed_delta}`} h`, postingsOf(m), m.reason]
      .filter(Boolean)
      .join(' · '),
    who: m.by_admin_id,
  }))
}

export function fromDispute(dispute: DisputeDetail): Entry[] {
  const steps: Entry[] = dispute.timeline.map((s) => ({
    at: s.at,
    source: 'dispute',
    what: `dispute ${s.step}`,
    detail:
      s.step === 'RESOLVED'
        ? `${dispute.resolution}: provider ${dispute.provider_amount} h, requester ${dispute.requester_refund} h`
        : s.step === 'OPENED'
          ? `${dispute.type}: ${dispute.description}`
          : (dispute.note ?? ''),
    who: s.by,
  }))
  const evidence: Entry[] = dispute.evidence.map((e) => ({
    at: e.at,
    source: 'dispute',
    what: `evidence (${e.kind})`,
    detail: e.content,
    who: e.added_by,
  }))
  return [...steps, ...evidence]
}

export function fromNotifications(notifications: Notification[]): Entry[] {
  return notifications.map((n) => ({
    at: n.created_at,
    source: 'notification',
    what: n.type,
    detail: n.title || n.message,
    who: n.member_id,
  }))
}

// Microseconds since the epoch: the services write microsecond timestamps, and two
// services often act within the same millisecond, which Date.parse alone cannot order.
export function micros(at: string): number {
  const fraction = /\.(\d+)/.exec(at)?.[1] ?? ''
  const belowMilli = Number(fraction.padEnd(6, '0').slice(3, 6))
  return Date.parse(at) * 1000 + belowMilli
}

export function merged(...lists: Entry[][]): Entry[] {
  const all = lists.flat()
  return all
    .map((entry, index) => ({ entry, index, time: micros(entry.at) }))
    .sort((a, b) => a.time - b.time || ORDER.indexOf(a.entry.source) - ORDER.indexOf(b.entry.source) || a.index - b.index)
    .map(({ entry }) => entry)
}
