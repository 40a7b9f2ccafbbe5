/** One dispute: what was claimed, the evidence, its steps, the parties' balances, and the
 * admin's actions (assign to me, resolve, dismiss). */

import { useEffect, useState } from 'preact/hooks'
import { api } from '../api'
import { useAction, useLoad } from '../hooks'
import type { DisputeDetail, Escrow, ServiceRequest } from '../types'
import { Badge, Done, Loading, MemberLink, ProblemNote, RequestLink, Section, When, short } from '../ui'
import { Parties } from './parties'
import { DismissPending, ResolvePanel } from './resolve'

const OPEN = ['OPEN', 'UNDER_REVIEW']
/** Escrow settles on the resolution's event, moments later: the page reads the hold and the
 * balances again each second until the hold has left FROZEN (at most SETTLING times). */
const SETTLING = 30

function EvidenceItem({ kind, content }: { kind: string; content: string }) {
  if (kind === 'link' && /^https?:\/\//i.test(content)) {
    return (
      <a href={content} target="_blank" rel="noopener noreferrer nofollow">
        {content}
      </a>
    )
  }
  return <span class="statement">{content}</span>
}

export function DisputePage({ id, me }: { id: string; me: string }) {
  const dispute = useLoad(() => api.get<DisputeDetail>(`/v1/disputes/${id}`), [id])
  const requestId = dispute.data?.request_id
  const [version, setVersion] = useState(0)
  const [watching, setWatching] = useState(0)
  const request = useLoad(
    () => (requestId ? api.get<ServiceRequest>(`/v1/requests/${requestId}`) : Promise.resolve(undefined)),
    [requestId],
  )
  const escrow = useLoad(
    () => (requestId ? api.get<Escrow>(`/v1/escrows/${requestId}`) : Promise.resolve(undefined)),
    [requestId, version],
  )
  const assign = useAction()
  // The balances are read with the hold, in parallel: the read that finds the hold SETTLED may
  // come back after a balance read that came just before the settlement. Once the hold has left
  // FROZEN, the balances are read once more, after it.
  const [afterHold, setAfterHold] = useState(0)
  const holdStatus = escrow.data?.status
  useEffect(() => {
    if (holdStatus && holdStatus !== 'FROZEN') setAfterHold((n) => n + 1)
  }, [holdStatus])

  useEffect(() => {
    if (watching <= 0) return
    if (escrow.loading || (escrow.data && escrow.data.status !== 'FROZEN')) return
    const timer = setTimeout(() => {
      setVersion((v) => v + 1)
      setWatching((w) => w - 1)
    }, 1000)
    return () => clearTimeout(timer)
  }, [watching, escrow.loading, escrow.data])

  const d = dispute.data
  if (!d) {
    return (
      <Section title={`Dispute ${short(id)}`}>
        <Loading when={dispute.loading} />
        <ProblemNote error={dispute.error} />
      </Section>
    )
  }
  const acted = () => {
    dispute.reload()
    setVersion((v) => v + 1)
    setWatching(SETTLING)
  }
  const takeIt = () => assign.run(() => api.post(`/v1/disputes/${d.id}/assign`), 'Assigned to you.').then((ok) => ok && dispute.reload())

  return (
    <>
      <Section title={`Dispute ${short(d.id)}`} aside={<Badge value={d.status} />}>
        <dl class="facts">
          <dt>Type</dt>
          <dd>{d.type}</dd>
          <dt>Request</dt>
          <dd>
            <RequestLink id={d.request_id} /> {request.data ? `${request.data.offering_title} · ${request.data.status}` : ''}
          </dd>
          <dt>Raised by</dt>
          <dd>
            <MemberLink id={d.raised_by} /> against <MemberLink id={d.against} />
          </dd>
          <dt>Assigned</dt>
          <dd>{d.assigned_admin === me ? 'me' : <MemberLink id={d.assigned_admin} />}</dd>
          <dt>Hold</dt>
          <dd data-testid="hold">
            {escrow.data ? `${escrow.data.amount} h · ${escrow.data.status ?? 'none'}` : <Loading when={escrow.loading} />}
          </dd>
          {d.resolution ? (
            <>
              <dt>Resolution</dt>
              <dd data-testid="resolution">
                {d.resolution}: provider {d.provider_amount} h, requester {d.requester_refund} h back
              </dd>
            </>
          ) : null}
          {d.note ? (
            <>
              <dt>Note</dt>
              <dd>{d.note}</dd>
            </>
          ) : null}
          {d.refusal_reason ? (
            <>
              <dt>Refused</dt>
              <dd>{d.refusal_reason}</dd>
            </>
          ) : null}
        </dl>
        <blockquote class="claim">{d.description}</blockquote>
        {d.status === 'OPEN' ? (
          <button type="button" onClick={takeIt} disabled={assign.busy}>
            Assign to me
          </button>
        ) : null}
        <ProblemNote error={assign.error ?? escrow.error ?? request.error} />
        <Done text={assign.done} />
      </Section>
      <Section title="Parties">
        {d.requester_id && d.provider_id ? (
          <Parties requester={d.requester_id} provider={d.provider_id} version={version + afterHold} />
        ) : (
          <p class="empty">Not known yet: the disputes service has not seen the request.</p>
        )}
      </Section>
      <Section title={`Evidence (${d.evidence.length})`}>
        <ul class="evidence">
          {d.evidence.map((e) => (
            <li key={e.id}>
              <When at={e.at} /> · <MemberLink id={e.added_by} /> · {e.kind}: <EvidenceItem kind={e.kind} content={e.content} />
            </li>
          ))}
        </ul>
        {d.evidence.length === 0 ? <p class="empty">No evidence yet.</p> : null}
      </Section>
      <Section title="Steps">
        <ol class="steps">
          {d.timeline.map((s) => (
            <li key={`${s.step}-${s.at}`}>
              <When at={s.at} /> · {s.step} {s.by ? <MemberLink id={s.by} /> : <span class="muted">by the requests service</span>}
            </li>
          ))}
        </ol>
      </Section>
      {OPEN.includes(d.status) ? (
        <Section title="Decide">
          <ResolvePanel dispute={d} rate={request.data?.rate} held={escrow.data?.amount} onDone={acted} />
        </Section>
      ) : null}
      {d.status === 'PENDING' ? (
        <Section title="Decide">
          <DismissPending dispute={d} onDone={acted} />
        </Section>
      ) : null}
    </>
  )
}
