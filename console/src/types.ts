/** The shapes the console reads, as the services answer them (SPEC §7 and the issue-18
 * design); only the fields the pages use. Hours are decimal strings ("1.50"). */

/** PENDING: the disputes service has not seen the request yet (decided when it does). */
export type DisputeStatus = 'PENDING' | 'OPEN' | 'UNDER_REVIEW' | 'RESOLVED' | 'DISMISSED' | 'REFUSED'
export type Resolution = 'PAY_PROVIDER' | 'REFUND_REQUESTER' | 'SPLIT'

export interface Dispute {
  id: string
  request_id: string
  /** null until the disputes service has seen the request */
  requester_id: string | null
  provider_id: string | null
  type: string
  status: DisputeStatus
  raised_by: string
  /** null until the dispute opens */
  against: string | null
  description: string
  assigned_admin: string | null
  request_confirmed: boolean
  resolution: Resolution | null
  provider_hours: string | null
  provider_amount: string | null
  requester_refund: string | null
  note: string | null
  refusal_reason: string | null
  created_at: string
  updated_at: string
}

export interface Evidence {
  id: string
  added_by: string
  kind: 'text' | 'link'
  content: string
  at: string
}

export interface DisputeStep {
  step: string
  at: string
  by: string | null
}

export interface DisputeDetail extends Dispute {
  evidence: Evidence[]
  timeline: DisputeStep[]
}

export interface ServiceRequest {
  id: string
  requester_id: string
  provider_id: string
  offering_id: string
  offering_title: string
  status: string
  hours: string
  rate: string
  amount: string
  dispute_id: string | null
  created_at: string
  updated_at: string
}

export interface HistoryStep {
  from_status: string | null
  to_status: string
  trigger: string
  actor: string
  actor_id: string | null
  at: string
  detail: string | null
}

/** One ledger transaction of a request's hold (placed, adjusted, paid, refunded, settled). */
export interface EscrowMove {
  transaction_id: string
  type: string
  posted_at: string
  escrowed_delta: string
  postings: { account: string; amount: string }[]
  dispute_id: string | null
  reason: string | null
  by_admin_id: string | null
}

export interface Escrow {
  request_id: string
  status: string | null
  amount: string
  requester_id: string
  provider_id: string
  dispute_id: string | null
  provider_amount: string | null
  requester_refund: string | null
  moves: EscrowMove[]
}

export interface Notification {
  id: string
  type: string
  title: string
  message: string
  related_id: string | null
  member_id: string
  created_at: string
  read_at: string | null
}

export interface Balance {
  member_id: string
  total: string
  available: string
  escrowed: string
  credit_limit: string
  status: string
}

export interface Transaction {
  entry_id: string
  transaction_id: string
  type: string
  request_id: string | null
  dispute_id: string | null
  reason: string | null
  delta_total: string
  delta_escrowed: string
  after: { total: string; escrowed: string; available: string }
  posted_at: string
}

export interface Member {
  id: string
  display_name: string
  email?: string | null
  roles?: string[]
  status: string
  rating_average: string | null
  rating_count: number
  registered_at?: string
}

export type OfferingStatus = 'PENDING_REVIEW' | 'APPROVED' | 'REJECTED' | 'WITHDRAWN'

export interface Offering {
  id: string
  provider_id: string
  title: string
  description: string
  category: string
  rate: string
  response_window_hours: number
  status?: OfferingStatus
  created_at: string
}

export type ReportAction = 'DISMISS' | 'WITHDRAW_OFFERING' | 'SUSPEND_MEMBER'

export interface Report {
  id: string
  reporter_id: string
  subject_type: 'OFFERING' | 'MEMBER'
  subject_id: string
  subject_member_id: string | null
  reason: string
  text: string
  status: 'OPEN' | 'RESOLVED'
  action?: ReportAction | null
  note?: string | null
  created_at: string
  resolved_at?: string | null
  resolved_by?: string | null
}

export interface Reconciliation {
  ok: boolean
  accounts: number
  transactions: number
  holds: number
  violations: { check: string; subject: string; detail: string }[]
}

export interface DeadLetter {
  consumer: string
  topic: string
  partition: number | null
  offset: number | null
  event_id: string | null
  event_type: string | null
  reason: string
  error: string
  attempts: number | null
  dlq_partition: number
  dlq_offset: number
  /** `<dlq_partition>:<dlq_offset>`: what a replay names. */
  position: string
  dead_lettered_at: string
  replayed: boolean
}

export const SERVICES = ['requests', 'escrow', 'disputes', 'notifications'] as const
