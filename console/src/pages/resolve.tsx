/** Resolving or dismissing a dispute. A split's two amounts are computed as the admin types
 * the provider's hours, with the request's rate and the hours escrow holds, rounded as the
 * services round; the disputes service still decides (its refusal is shown as it comes). */

import { useState } from 'preact/hooks'
import { api } from '../api'
import { useAction } from '../hooks'
import { formatHours, splitOf } from '../money'
import type { DisputeDetail, Resolution } from '../types'
import { Done, ProblemNote } from '../ui'

const RESOLUTIONS: { value: Resolution; label: string }[] = [
  { value: 'PAY_PROVIDER', label: 'Pay the provider' },
  { value: 'REFUND_REQUESTER', label: 'Refund the requester' },
  { value: 'SPLIT', label: 'Split' },
]

interface Props {
  dispute: DisputeDetail
  rate?: string
  held?: string
  onDone: () => void
}

function Preview({ resolution, hours, rate, held }: { resolution: Resolution; hours: string; rate?: string; held?: string }) {
  if (held === undefined || rate === undefined) return <output class="preview">the hold is loading…</output>
  if (resolution === 'PAY_PROVIDER') {
    return <output class="preview" data-testid="split-preview">Provider gets {held} h · requester gets 0.00 h back</output>
  }
  if (resolution === 'REFUND_REQUESTER') {
    return <output class="preview" data-testid="split-preview">Provider gets 0.00 h · requester gets {held} h back</output>
  }
  const split = splitOf(hours, rate, held)
  if (!split.ok) return <output class="preview invalid" data-testid="split-preview">{split.problem}</output>
  return (
    <output class="preview" data-testid="split-preview">
      Provider gets <strong data-field="provider-amount">{formatHours(split.provider)}</strong> h · requester gets{' '}
      <strong data-field="requester-refund">{formatHours(split.requester)}</strong> h back
      <span class="muted"> ({hours.trim()} h × rate {rate}, of {held} h held)</span>
    </output>
  )
}

export function ResolvePanel({ dispute, rate, held, onDone }: Props) {
  const [resolution, setResolution] = useState<Resolution>('SPLIT')
  const [hours, setHours] = useState('')
  const [note, setNote] = useState('')
  const action = useAction()
  const splitValid = resolution !== 'SPLIT' || (rate !== undefined && held !== undefined && splitOf(hours, rate, held).ok)
  const canAct = dispute.request_confirmed && note.trim() !== '' && !action.busy

  const resolve = async (event: Event) => {
    event.preventDefault()
    const body: Record<string, string> = { resolution, note }
    if (resolution === 'SPLIT') body.provider_hours = hours.trim()
    if (await action.run(() => api.post(`/v1/disputes/${dispute.id}/resolve`, body), 'Resolved.')) onDone()
  }
  const dismiss = async () => {
    if (await action.run(() => api.post(`/v1/disputes/${dispute.id}/dismiss`, { note }), 'Dismissed.')) onDone()
  }

  return (
    <form class="resolve" onSubmit={resolve} aria-label="Resolve the dispute">
      {!dispute.request_confirmed ? (
        <p class="warning">The requests service has not confirmed the request DISPUTED yet: resolving waits for it.</p>
      ) : null}
      <fieldset>
        <legend>Resolution</legend>
        {RESOLUTIONS.map((r) => (
          <label key={r.value} class="choice">
            <input
              type="radio"
              name="resolution"
              value={r.value}
              checked={resolution === r.value}
              onChange={() => setResolution(r.value)}
            />{' '}
            {r.label}
          </label>
        ))}
      </fieldset>
      {resolution === 'SPLIT' ? (
        <label>
          Provider's hours{' '}
          <input
            name="provider_hours"
            inputMode="decimal"
            placeholder="e.g. 0.75"
            value={hours}
            onInput={(e) => setHours(e.currentTarget.value)}
          />
        </label>
      ) : null}
      <Preview resolution={resolution} hours={hours} rate={rate} held={held} />
      <label class="block">
        Note (shown to both parties)
        <textarea name="note" rows={3} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <div class="actions">
        <button type="submit" disabled={!canAct || !splitValid}>
          Resolve
        </button>
        <button type="button" class="danger" disabled={!canAct} onClick={dismiss}>
          Dismiss
        </button>
      </div>
      <ProblemNote error={action.error} />
      <Done text={action.done} />
    </form>
  )
}

/** A PENDING dispute: decided by the disputes service when the request's first event arrives;
 * an admin dismisses one whose request never comes. */
export function DismissPending({ dispute, onDone }: { dispute: DisputeDetail; onDone: () => void }) {
  const [note, setNote] = useState('')
  const action = useAction()
  const dismiss = async (event: Event) => {
    event.preventDefault()
    if (await action.run(() => api.post(`/v1/disputes/${dispute.id}/dismiss`, { note }), 'Dismissed.')) onDone()
  }
  return (
    <form class="resolve" onSubmit={dismiss} aria-label="Dismiss the pending dispute">
      <p class="warning">
        The disputes service has not seen this request yet: the dispute opens (or is refused) when it does. Dismiss it only if
        the request never comes.
      </p>
      <label class="block">
        Note
        <textarea name="note" rows={3} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <div class="actions">
        <button type="submit" class="danger" disabled={note.trim() === '' || action.busy}>
          Dismiss
        </button>
      </div>
      <ProblemNote error={action.error} />
      <Done text={action.done} />
    </form>
  )
}
