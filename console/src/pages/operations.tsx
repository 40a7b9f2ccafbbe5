/** Operations at a glance: the ledger's reconciliation (run on demand), each service's dead
 * letters with replay, and the KPIs each service computes over a window. */

import { useState } from 'preact/hooks'
import { api, type Page } from '../api'
import { useAction, useLoad } from '../hooks'
import { SERVICES, type DeadLetter, type Reconciliation } from '../types'
import { Done, Empty, Loading, ProblemNote, Section, When } from '../ui'

function ReconciliationCard() {
  const check = useLoad(() => api.get<Reconciliation>('/v1/ledger/reconciliation'), [])
  const r = check.data
  const aside = (
    <button type="button" class="secondary" onClick={check.reload} disabled={check.loading}>
      Check again
    </button>
  )
  return (
    <Section title="Reconciliation" aside={aside}>
      <ProblemNote error={check.error} />
      <Loading when={check.loading} />
      {r ? (
        <>
          <p class={r.ok ? 'ok' : 'bad'} data-testid="reconciliation">
            {r.ok ? 'Ledger consistent' : `${r.violations.length} violation(s)`} — {r.accounts} accounts, {r.transactions} transactions, {r.holds} holds
          </p>
          {r.violations.length ? (
            <ul class="violations">
              {r.violations.map((v, n) => (
                <li key={n}>
                  <strong>{v.check}</strong> {v.subject}: {v.detail}
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ) : null}
    </Section>
  )
}

function Letter({ service, letter, onReplayed }: { service: string; letter: DeadLetter; onReplayed: () => void }) {
  const replay = useAction()
  const send = () =>
    replay
      .run(() => api.post(`/v1/dead-letters/${service}/${encodeURIComponent(letter.position)}/replay`), 'Sent to the replay topic.')
      .then((ok) => ok && onReplayed())
  return (
    <tr data-position={letter.position}>
      <td>
        <When at={letter.dead_lettered_at} />
      </td>
      <td>
        {letter.topic}
        <span class="muted">
          {' '}
          [{letter.partition}]@{letter.offset}
        </span>
      </td>
      <td>{letter.event_type ?? <span class="muted">unparsed</span>}</td>
      <td>{letter.reason}</td>
      <td class="text">{letter.error}</td>
      <td class="number">{letter.attempts ?? ''}</td>
      <td>
        {letter.replayed ? <span class="muted">replayed</span> : null}{' '}
        <button type="button" class="secondary" disabled={replay.busy} onClick={send}>
          Replay
        </button>
        <ProblemNote error={replay.error} />
        <Done text={replay.done} />
      </td>
    </tr>
  )
}

const PAGE = 200
const PAGES_MAX = 25

/** Every dead letter of the service, newest first. The API lists them oldest first; there
 * should be few (each one is an alert), so all pages are read, up to PAGES_MAX × PAGE. */
async function deadLettersOf(service: string): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = []
  let cursor: string | null = null
  for (let page = 0; page < PAGES_MAX; page++) {
    const answer: Page<DeadLetter> = await api.get<Page<DeadLetter>>(`/v1/dead-letters/${service}`, { limit: PAGE, cursor })
    letters.push(...answer.items)
    cursor = answer.next_cursor
    if (cursor === null) break
  }
  return letters.reverse()
}

function DeadLetters({ service }: { service: string }) {
  const letters = useLoad(() => deadLettersOf(service), [service])
  const items = letters.data ?? []
  return (
    <div class="dead-letters" data-service={service}>
      <h3>
        {service}{' '}
        <span class="count" data-testid={`dead-letters-${service}`}>
          {letters.loading ? '…' : items.length}
        </span>
      </h3>
      <ProblemNote error={letters.error} />
      {items.length ? (
        <table class="queue" aria-label={`Dead letters of ${service}`}>
          <thead>
            <tr>
              <th>Dead-lettered</th>
              <th>From</th>
              <th>Event</th>
              <th>Reason</th>
              <th>Error</th>
              <th>Attempts</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((l) => (
              <Letter key={l.position} service={service} letter={l} onReplayed={letters.reload} />
            ))}
          </tbody>
        </table>
      ) : null}
      <Empty when={!letters.loading && !letters.error && items.length === 0} text="None." />
    </div>
  )
}

type Figure = string | number | boolean | null | { [name: string]: Figure }

const WINDOW_FIELDS = new Set(['window_hours', 'since', 'until'])

function label(name: string): string {
  return name.replace(/_/g, ' ')
}

function FigureValue({ value }: { value: Figure }) {
  if (value === null) return <span class="muted">—</span>
  if (typeof value === 'object') {
    const entries = Object.entries(value)
    if (!entries.length) return <span class="muted">none</span>
    return (
      <span class="breakdown">
        {entries.map(([name, inner]) => (
          <span key={name}>
            {label(name)}: <FigureValue value={inner} />
          </span>
        ))}
      </span>
    )
  }
  return <>{String(value)}</>
}

/** Each service's KPI answer as it comes (docs/metrics.md names and defines every figure). */
function Stats({ path, hours }: { path: string; hours: number }) {
  const stats = useLoad(() => api.get<Record<string, Figure>>(path, { hours }), [path, hours])
  return (
    <div class="stats" data-stats={path}>
      <h3>{path}</h3>
      <ProblemNote error={stats.error} />
      <Loading when={stats.loading} />
      {stats.data ? (
        <dl class="figures">
          {Object.entries(stats.data)
            .filter(([name]) => !WINDOW_FIELDS.has(name))
            .map(([name, value]) => (
              <div key={name} class="figure" data-kpi={name}>
                <dt>{label(name)}</dt>
                <dd>
                  <FigureValue value={value} />
                </dd>
              </div>
            ))}
        </dl>
      ) : null}
    </div>
  )
}

const KPI_PATHS = ['/v1/requests/stats', '/v1/ledger/stats', '/v1/disputes/stats']
const WINDOWS = [1, 24, 24 * 7, 24 * 30]

export function OperationsPage() {
  const [hours, setHours] = useState(24)
  const windows = (
    <label>
      Window{' '}
      <select value={String(hours)} onChange={(e) => setHours(Number(e.currentTarget.value))}>
        {WINDOWS.map((h) => (
          <option key={h} value={String(h)}>
            last {h < 48 ? `${h} h` : `${h / 24} days`}
          </option>
        ))}
      </select>
    </label>
  )
  return (
    <>
      <ReconciliationCard />
      <Section title="KPIs" aside={windows}>
        <div class="kpis">
          {KPI_PATHS.map((path) => (
            <Stats key={path} path={path} hours={hours} />
          ))}
        </div>
      </Section>
      <Section title="Dead letters">
        {SERVICES.map((service) => (
          <DeadLetters key={service} service={service} />
        ))}
      </Section>
    </>
  )
}
