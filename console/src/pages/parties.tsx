/** The two parties of a request side by side: who they are and their balance now, so an admin
 * sees what a resolution did to each. */

import { api } from '../api'
import { useLoad } from '../hooks'
import type { Balance, Member } from '../types'
import { MemberLink, ProblemNote } from '../ui'

interface Party {
  role: string
  id: string
}

function PartyCard({ role, id, version }: Party & { version: number }) {
  const profile = useLoad(() => api.get<Member>(`/v1/members/${id}`), [id])
  const balance = useLoad(() => api.get<Balance>(`/v1/accounts/${id}`), [id, version])
  const b = balance.data
  return (
    <div class="party" data-party={role.toLowerCase()}>
      <h3>
        {role}: {profile.data?.display_name ?? ''} <MemberLink id={id} />
      </h3>
      <ProblemNote error={profile.error ?? balance.error} />
      {b ? (
        <dl class="balance">
          <dt>Total</dt>
          <dd data-field="total">{b.total}</dd>
          <dt>Available</dt>
          <dd data-field="available">{b.available}</dd>
          <dt>Escrowed</dt>
          <dd data-field="escrowed">{b.escrowed}</dd>
        </dl>
      ) : null}
    </div>
  )
}

/** `version` changes whenever the balances should be read again (after a resolution). */
export function Parties({ requester, provider, version }: { requester: string; provider: string; version: number }) {
  return (
    <div class="parties">
      <PartyCard role="Requester" id={requester} version={version} />
      <PartyCard role="Provider" id={provider} version={version} />
    </div>
  )
}
