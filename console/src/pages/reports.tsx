/** The reports queue: members' reports on offerings and members; an admin resolves each with an
 * action (dismiss, withdraw the offering, suspend the member) that the owning service carries
 * out through the saga. */

import { useState } from 'preact/hooks'
import { api, type Page } from '../api'
import { useAction, usePages } from '../hooks'
import type { Report, ReportAction } from '../types'
import { Badge, Done, Empty, Loading, MemberLink, More, ProblemNote, Section, When, short } from '../ui'

function actionsFor(report: Report): ReportAction[] {
  return report.subject_type === 'OFFERING' ? ['DISMISS', 'WITHDRAW_OFFERING', 'SUSPEND_MEMBER'] : ['DISMISS', 'SUSPEND_MEMBER']
}

function Resolve({ report, onDone }: { report: Report; onDone: () => void }) {
  const [action, setAction] = useState<ReportAction>('DISMISS')
  const [note, setNote] = useState('')
  const resolving = useAction()
  const resolve = () =>
    resolving
      .run(() => api.post(`/v1/reports/${report.id}/resolve`, { action, note: note.trim() }), 'Resolved.')
      .then((ok) => ok && onDone())
  return (
    <div class="review">
      <select aria-label={`Action on report ${short(report.id)}`} value={action} onChange={(e) => setAction(e.currentTarget.value as ReportAction)}>
        {actionsFor(report).map((a) => (
          <option key={a}>{a}</option>
        ))}
      </select>
      <input aria-label={`Note on report ${short(report.id)}`} placeholder="note" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      <button type="button" disabled={resolving.busy || !note.trim()} onClick={resolve}>
        Resolve
      </button>
      <ProblemNote error={resolving.error} />
      <Done text={resolving.done} />
    </div>
  )
}

function Subject({ report }: { report: Report }) {
  if (report.subject_type === 'MEMBER') return <>member <MemberLink id={report.subject_id} /></>
  return (
    <>
      offering <span class="id" title={report.subject_id}>{short(report.subject_id)}</span> of <MemberLink id={report.subject_member_id} />
    </>
  )
}

export function ReportQueue() {
  const [status, setStatus] = useState<'OPEN' | 'RESOLVED'>('OPEN')
  const reports = usePages((cursor) => api.get<Page<Report>>('/v1/reports', { status, limit: 50, cursor }), [status])
  const filters = (
    <div class="filters">
      <label>
        Status{' '}
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value as 'OPEN' | 'RESOLVED')}>
          <option>OPEN</option>
          <option>RESOLVED</option>
        </select>
      </label>
      <button type="button" class="secondary" onClick={reports.reload}>
        Refresh
      </button>
    </div>
  )
  const items = reports.data ?? []
  return (
    <Section title="Reports" aside={filters}>
      <ProblemNote error={reports.error} />
      <table class="queue" aria-label="Reports">
        <thead>
          <tr>
            <th>Filed</th>
            <th>Reporter</th>
            <th>Subject</th>
            <th>Reason</th>
            <th>Text</th>
            <th>Status</th>
            <th>{status === 'OPEN' ? 'Resolve' : 'Outcome'}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id} data-report={r.id}>
              <td>
                <When at={r.created_at} />
              </td>
              <td>
                <MemberLink id={r.reporter_id} />
              </td>
              <td>
                <Subject report={r} />
              </td>
              <td>{r.reason}</td>
              <td class="text">{r.text}</td>
              <td>
                <Badge value={r.status} />
              </td>
              <td>
                {r.status === 'OPEN' ? (
                  <Resolve report={r} onDone={reports.reload} />
                ) : (
                  <>
                    {r.action} {r.note ? <span class="muted">— {r.note}</span> : null}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Loading when={reports.loading} />
      <Empty when={!reports.loading && !reports.error && items.length === 0} text="No reports here." />
      <More more={reports.more} />
    </Section>
  )
}
