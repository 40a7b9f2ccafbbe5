/** The dispute queue: by status (open ones first by default), optionally only the caller's,
 * newest first; a row opens the dispute. */

import { useState } from 'preact/hooks'
import { api, type Page } from '../api'
import { usePages } from '../hooks'
import { href } from '../route'
import type { Dispute, DisputeStatus } from '../types'
import { Badge, Empty, Loading, MemberLink, More, ProblemNote, RequestLink, Section, When, short } from '../ui'

const FILTERS: Record<string, DisputeStatus[]> = {
  'Open or under review': ['OPEN', 'UNDER_REVIEW'],
  Open: ['OPEN'],
  'Under review': ['UNDER_REVIEW'],
  Pending: ['PENDING'],
  Resolved: ['RESOLVED'],
  Dismissed: ['DISMISSED'],
  Refused: ['REFUSED'],
  All: [],
}

export function DisputeQueue({ me }: { me: string }) {
  const [filter, setFilter] = useState('Open or under review')
  const [mineOnly, setMineOnly] = useState(false)
  const disputes = usePages(
    (cursor) => api.get<Page<Dispute>>('/v1/disputes', { status: FILTERS[filter], limit: 50, cursor }),
    [filter],
  )
  const shown = (disputes.data ?? []).filter((d) => !mineOnly || d.assigned_admin === me)
  const filters = (
    <div class="filters">
      <label>
        Status{' '}
        <select value={filter} onChange={(e) => setFilter(e.currentTarget.value)}>
          {Object.keys(FILTERS).map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
      </label>
      <label>
        <input type="checkbox" checked={mineOnly} onChange={(e) => setMineOnly(e.currentTarget.checked)} />{' '}
        Assigned to me
      </label>
      <button type="button" class="secondary" onClick={disputes.reload}>
        Refresh
      </button>
    </div>
  )
  return (
    <Section title="Disputes" aside={filters}>
      <ProblemNote error={disputes.error} />
      <table class="queue" aria-label="Disputes">
        <thead>
          <tr>
            <th>Dispute</th>
            <th>Opened</th>
            <th>Type</th>
            <th>Status</th>
            <th>Request</th>
            <th>Raised by</th>
            <th>Against</th>
            <th>Assigned</th>
            <th>Confirmed</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((d) => (
            <tr key={d.id} data-dispute={d.id}>
              <td>
                <a class="id" href={href('disputes', d.id)}>
                  {short(d.id)}
                </a>
              </td>
              <td>
                <When at={d.created_at} />
              </td>
              <td>{d.type}</td>
              <td>
                <Badge value={d.status} />
              </td>
              <td>
                <RequestLink id={d.request_id} />
              </td>
              <td>
                <MemberLink id={d.raised_by} />
              </td>
              <td>
                <MemberLink id={d.against} />
              </td>
              <td>{d.assigned_admin === me ? 'me' : <MemberLink id={d.assigned_admin} />}</td>
              <td>{d.request_confirmed ? 'yes' : 'waiting'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Loading when={disputes.loading} />
      <Empty when={!disputes.loading && !disputes.error && shown.length === 0} text="No disputes here." />
      <More more={disputes.more} />
    </Section>
  )
}
