/** Member lookup: find a member by a fragment of their name or email (or paste their id), then
 * their profile, balance and ledger entries. */

import { useState } from 'preact/hooks'
import { api, type Page } from '../api'
import { useLoad, usePages } from '../hooks'
import { go, href } from '../route'
import type { Balance, Member, Transaction } from '../types'
import { Badge, Empty, Loading, More, ProblemNote, RequestLink, Section, When, short } from '../ui'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function Search() {
  const [text, setText] = useState('')
  const [query, setQuery] = useState('')
  const found = usePages(
    (cursor) =>
      query.length >= 2 ? api.get<Page<Member>>('/v1/members', { q: query, limit: 20, cursor }) : Promise.resolve({ items: [], next_cursor: null }),
    [query],
  )
  const submit = (event: Event) => {
    event.preventDefault()
    const wanted = text.trim()
    if (UUID.test(wanted)) go('members', wanted)
    else setQuery(wanted)
  }
  return (
    <>
      <form class="filters" onSubmit={submit}>
        <label>
          Name, email or id <input name="q" size={38} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={text.trim().length < 2}>
          Find
        </button>
      </form>
      <ProblemNote error={found.error} />
      {query ? (
        <ul class="found" aria-label="Members found">
          {(found.data ?? []).map((m) => (
            <li key={m.id}>
              <a href={href('members', m.id)}>{m.display_name}</a> <span class="muted">{m.email ?? ''}</span>{' '}
              <span class="id">{short(m.id)}</span> <Badge value={m.status} />
            </li>
          ))}
        </ul>
      ) : null}
      {query ? <Empty when={!found.loading && !found.error && (found.data ?? []).length === 0} text={`No member matches “${query}”.`} /> : null}
      <More more={found.more} />
    </>
  )
}

function Profile({ id }: { id: string }) {
  const member = useLoad(() => api.get<Member>(`/v1/members/${id}`), [id])
  const balance = useLoad(() => api.get<Balance>(`/v1/accounts/${id}`), [id])
  const m = member.data
  const b = balance.data
  return (
    <div class="member">
      <ProblemNote error={member.error} />
      {m ? (
        <dl class="facts">
          <dt>Name</dt>
          <dd data-field="display_name">{m.display_name}</dd>
          <dt>Id</dt>
          <dd class="id">{m.id}</dd>
          <dt>Status</dt>
          <dd>
            <Badge value={m.status} />
          </dd>
          {m.email ? (
            <>
              <dt>Email</dt>
              <dd>{m.email}</dd>
            </>
          ) : null}
          {m.roles ? (
            <>
              <dt>Roles</dt>
              <dd>{m.roles.join(', ')}</dd>
            </>
          ) : null}
          <dt>Rating</dt>
          <dd>{m.rating_average ? `${m.rating_average} (${m.rating_count})` : 'not rated yet'}</dd>
        </dl>
      ) : (
        <Loading when={member.loading} />
      )}
      <ProblemNote error={balance.error} />
      {b ? (
        <dl class="balance" aria-label="Balance">
          <dt>Total</dt>
          <dd data-field="total">{b.total}</dd>
          <dt>Available</dt>
          <dd data-field="available">{b.available}</dd>
          <dt>Escrowed</dt>
          <dd data-field="escrowed">{b.escrowed}</dd>
          <dt>Credit limit</dt>
          <dd>{b.credit_limit}</dd>
          <dt>Account</dt>
          <dd>{b.status}</dd>
        </dl>
      ) : null}
    </div>
  )
}

function Transactions({ id }: { id: string }) {
  const entries = usePages((cursor) => api.get<Page<Transaction>>(`/v1/accounts/${id}/transactions`, { limit: 50, cursor }), [id])
  const items = entries.data ?? []
  return (
    <>
      <ProblemNote error={entries.error} />
      <table class="queue" aria-label="Transactions">
        <thead>
          <tr>
            <th>Posted</th>
            <th>Type</th>
            <th>Total</th>
            <th>Escrowed</th>
            <th>Balance after</th>
            <th>Request</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {items.map((t) => (
            <tr key={t.entry_id}>
              <td>
                <When at={t.posted_at} />
              </td>
              <td>{t.type}</td>
              <td class="number">{t.delta_total}</td>
              <td class="number">{t.delta_escrowed}</td>
              <td class="number">
                {t.after.total} <span class="muted">({t.after.available} available)</span>
              </td>
              <td>
                <RequestLink id={t.request_id} />
              </td>
              <td class="text">{t.reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Loading when={entries.loading} />
      <Empty when={!entries.loading && !entries.error && items.length === 0} text="No ledger entries." />
      <More more={entries.more} />
    </>
  )
}

export function MemberPage({ id }: { id?: string }) {
  return (
    <>
      <Section title="Member lookup">
        <Search />
      </Section>
      {id ? (
        <>
          <Section title={`Member ${short(id)}`}>
            <Profile id={id} />
          </Section>
          <Section title="Transactions">
            <Transactions id={id} />
          </Section>
        </>
      ) : null}
    </>
  )
}
