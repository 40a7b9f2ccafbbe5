/** The pieces every page uses: a refusal's problem+json, times, links to members and
 * requests, status badges, and "load more". */

import type { ComponentChildren } from 'preact'
import type { ApiError } from './api'
import { href } from './route'

export function ProblemNote({ error }: { error?: ApiError }) {
  if (!error) return null
  const { status, title, detail } = error.problem
  return (
    <div class="problem" role="alert">
      <strong>
        {status ? `${status} ` : ''}
        {title ?? 'Error'}
      </strong>
      {detail ? <span class="problem-detail"> — {detail}</span> : null}
    </div>
  )
}

export function Done({ text }: { text?: string }) {
  return text ? (
    <div class="done" role="status">
      {text}
    </div>
  ) : null
}

const DAY_AND_TIME: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'medium' }
/** To the millisecond: a saga's steps often fall within one second. */
const PRECISE: Intl.DateTimeFormatOptions = {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
}

export function When({ at, precise = false }: { at?: string | null; precise?: boolean }) {
  if (!at) return <span class="muted">—</span>
  return (
    <time dateTime={at} title={at}>
      {new Date(at).toLocaleString(undefined, precise ? PRECISE : DAY_AND_TIME)}
    </time>
  )
}

export function short(id: string): string {
  return id.slice(0, 8)
}

export function MemberLink({ id }: { id?: string | null }) {
  if (!id) return <span class="muted">—</span>
  return (
    <a class="id" href={href('members', id)} title={id}>
      {short(id)}
    </a>
  )
}

export function RequestLink({ id }: { id?: string | null }) {
  if (!id) return <span class="muted">—</span>
  return (
    <a class="id" href={href('requests', id)} title={`the timeline of request ${id}`}>
      {short(id)}
    </a>
  )
}

export function Badge({ value }: { value?: string | null }) {
  if (!value) return <span class="muted">—</span>
  return <span class={`badge badge-${value.toLowerCase()}`}>{value}</span>
}

export function Loading({ when }: { when: boolean }) {
  return when ? <span class="loading">loading…</span> : null
}

export function More({ more }: { more: (() => void) | null }) {
  return more ? (
    <button type="button" class="secondary" onClick={more}>
      Load more
    </button>
  ) : null
}

export function Section({ title, children, aside }: { title: string; children: ComponentChildren; aside?: ComponentChildren }) {
  return (
    <section class="card">
      <header class="card-head">
        <h2>{title}</h2>
        {aside}
      </header>
      {children}
    </section>
  )
}

export function Empty({ when, text }: { when: boolean; text: string }) {
  return when ? <p class="empty">{text}</p> : null
}
