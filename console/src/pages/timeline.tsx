/** One request's timeline: ask each owning service for its part and merge them by time. A
 * service that cannot answer is named, and the others are still shown. */

import { useState } from 'preact/hooks'
import { api, type ApiError, type Page } from '../api'
import { useLoad } from '../hooks'
import { go } from '../route'
import { fromDispute, fromEscrow, fromHistory, fromNotifications, merged, type Entry } from '../timeline'
import type { Dispute, DisputeDetail, Escrow, HistoryStep, Notification, ServiceRequest } from '../types'
import { Badge, Loading, MemberLink, ProblemNote, Section, When, short } from '../ui'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

interface Parts {
  request?: ServiceRequest
  entries: Entry[]
  errors: ApiError[]
}

async function settled<T>(promise: Promise<T>, errors: ApiError[]): Promise<T | undefined> {
  try {
    return await promise
  } catch (error) {
    errors.push(error as ApiError)
    return undefined
  }
}

async function timelineOf(id: string): Promise<Parts> {
  const errors: ApiError[] = []
  const [request, history, escrow, disputes] = await Promise.all([
    settled(api.get<ServiceRequest>(`/v1/requests/${id}`), errors),
    settled(api.get<HistoryStep[]>(`/v1/requests/${id}/history`), errors),
    settled(api.get<Escrow>(`/v1/escrows/${id}`), errors),
    settled(api.get<Page<Dispute>>('/v1/disputes', { request_id: id, limit: 100 }), errors),
  ])
  const disputeIds = (disputes?.items ?? []).map((d) => d.id)
  // the list leaves out evidence and steps: each dispute is read in full; a dispute's
  // notifications name the dispute, not the request, so they are asked for by both
  const [notifications, details] = await Promise.all([
    settled(
      api.get<Page<Notification>>('/v1/notifications', { request_id: id, dispute_id: disputeIds, limit: 100 }),
      errors,
    ),
    Promise.all(disputeIds.map((d) => settled(api.get<DisputeDetail>(`/v1/disputes/${d}`), errors))),
  ])
  const entries = merged(
    fromHistory(history ?? []),
    escrow ? fromEscrow(escrow) : [],
    ...details.map((d) => (d ? fromDispute(d) : [])),
    fromNotifications(notifications?.items ?? []),
  )
  return { request, entries, errors }
}

function Lookup({ id }: { id?: string }) {
  const [text, setText] = useState(id ?? '')
  const valid = UUID.test(text.trim())
  return (
    <form
      class="filters"
      onSubmit={(e) => {
        e.preventDefault()
        if (valid) go('requests', text.trim())
      }}
    >
      <label>
        Request id <input name="request_id" size={38} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={!valid}>
        Show timeline
      </button>
    </form>
  )
}

function Timeline({ id }: { id: string }) {
  const parts = useLoad(() => timelineOf(id), [id])
  const p = parts.data
  return (
    <>
      {p?.request ? (
        <dl class="facts">
          <dt>Offering</dt>
          <dd>{p.request.offering_title}</dd>
          <dt>Status</dt>
          <dd>
            <Badge value={p.request.status} />
          </dd>
          <dt>Parties</dt>
          <dd>
            requester <MemberLink id={p.request.requester_id} />, provider <MemberLink id={p.request.provider_id} />
          </dd>
          <dt>Hours</dt>
          <dd>
            {p.request.hours} h × {p.request.rate} = {p.request.amount} h
          </dd>
        </dl>
      ) : null}
      <Loading when={parts.loading} />
      <ProblemNote error={parts.error} />
      {(p?.errors ?? []).map((error, n) => (
        <ProblemNote key={n} error={error} />
      ))}
      <table class="queue timeline" aria-label="Timeline">
        <thead>
          <tr>
            <th>When</th>
            <th>Service</th>
            <th>What</th>
            <th>Detail</th>
            <th>Who</th>
          </tr>
        </thead>
        <tbody>
          {(p?.entries ?? []).map((e, n) => (
            <tr key={n} class={`source-${e.source}`} data-source={e.source}>
              <td>
                <When at={e.at} precise />
              </td>
              <td>
                <span class={`source source-${e.source}`}>{e.source}</span>
              </td>
              <td>{e.what}</td>
              <td class="text">{e.detail}</td>
              <td>{e.who && UUID.test(e.who) ? <MemberLink id={e.who} /> : (e.who ?? '')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

export function TimelinePage({ id }: { id?: string }) {
  return (
    <Section title={id ? `Request ${short(id)}` : 'Request timeline'} aside={<Lookup id={id} key={id} />}>
      {id ? <Timeline id={id} /> : <p class="empty">Enter a request id, or open one from a dispute.</p>}
    </Section>
  )
}
