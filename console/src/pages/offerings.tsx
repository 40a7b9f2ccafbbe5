/** The offering review queue: offerings waiting for an admin (with `HOURBANK_OFFERING_REVIEW`
 * on), approved with an optional note or rejected with a reason; other statuses to look back. */

import { useState } from 'preact/hooks'
import { api, type Page } from '../api'
import { useAction, usePages } from '../hooks'
import type { Offering, OfferingStatus } from '../types'
import { Badge, Done, Empty, Loading, MemberLink, More, ProblemNote, Section, When } from '../ui'

const STATUSES: OfferingStatus[] = ['PENDING_REVIEW', 'APPROVED', 'REJECTED', 'WITHDRAWN']

function Review({ offering, onDone }: { offering: Offering; onDone: () => void }) {
  const [text, setText] = useState('')
  const action = useAction()
  const approve = () =>
    action
      .run(() => api.post(`/v1/offerings/${offering.id}/approve`, text.trim() ? { note: text.trim() } : {}), 'Approved.')
      .then((ok) => ok && onDone())
  const reject = () =>
    action.run(() => api.post(`/v1/offerings/${offering.id}/reject`, { reason: text.trim() }), 'Rejected.').then((ok) => ok && onDone())
  return (
    <div class="review">
      <input
        aria-label={`Note or reason for ${offering.title}`}
        placeholder="note (approve) or reason (reject)"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <button type="button" disabled={action.busy} onClick={approve}>
        Approve
      </button>
      <button type="button" class="danger" disabled={action.busy || !text.trim()} onClick={reject}>
        Reject
      </button>
      <ProblemNote error={action.error} />
      <Done text={action.done} />
    </div>
  )
}

export function OfferingQueue() {
  const [status, setStatus] = useState<OfferingStatus>('PENDING_REVIEW')
  const offerings = usePages(
    (cursor) => api.get<Page<Offering>>('/v1/offerings', { status, limit: 50, cursor }),
    [status],
  )
  const filters = (
    <div class="filters">
      <label>
        Status{' '}
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value as OfferingStatus)}>
          {STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <button type="button" class="secondary" onClick={offerings.reload}>
        Refresh
      </button>
    </div>
  )
  const items = offerings.data ?? []
  return (
    <Section title="Offering review" aside={filters}>
      <ProblemNote error={offerings.error} />
      <table class="queue" aria-label="Offerings">
        <thead>
          <tr>
            <th>Offering</th>
            <th>Provider</th>
            <th>Category</th>
            <th>Rate</th>
            <th>Window</th>
            <th>Created</th>
            <th>Status</th>
            {status === 'PENDING_REVIEW' ? <th>Review</th> : null}
          </tr>
        </thead>
        <tbody>
          {items.map((o) => (
            <tr key={o.id} data-offering={o.id}>
              <td>
                <strong>{o.title}</strong>
                {o.description ? <div class="muted small">{o.description}</div> : null}
              </td>
              <td>
                <MemberLink id={o.provider_id} />
              </td>
              <td>{o.category}</td>
              <td>{o.rate}</td>
              <td>{o.response_window_hours} h</td>
              <td>
                <When at={o.created_at} />
              </td>
              <td>
                <Badge value={o.status} />
              </td>
              {status === 'PENDING_REVIEW' ? (
                <td>
                  <Review offering={o} onDone={offerings.reload} />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      <Loading when={offerings.loading} />
      <Empty
        when={!offerings.loading && !offerings.error && items.length === 0}
        text={status === 'PENDING_REVIEW' ? 'Nothing waits for review (offerings are reviewed when the bank runs with HOURBANK_OFFERING_REVIEW=true).' : 'None.'}
      />
      <More more={offerings.more} />
    </Section>
  )
}
