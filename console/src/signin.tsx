/** Signing in: paste an admin's bearer token (kept for this tab only). */

import { useState } from 'preact/hooks'
import { claimsOf } from './token'

export function SignIn({ onToken }: { onToken: (token: string) => void }) {
  const [text, setText] = useState('')
  const claims = text.trim() ? claimsOf(text.trim().replace(/^Bearer\s+/i, '')) : null
  return (
    <form
      class="card signin"
      onSubmit={(e) => {
        e.preventDefault()
        if (claims) onToken(text)
      }}
    >
      <h2>Sign in</h2>
      <p>
        Paste an admin's bearer token. It stays in this browser tab only and goes with every call to the API. For a
        development stack: <code>make token ADMIN=1</code>, or open <code>/admin/#token=&lt;token&gt;</code>.
      </p>
      <label class="block">
        Token
        <textarea name="token" rows={4} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </label>
      {text.trim() && !claims ? <p class="problem">This is not a JWT (three dot-separated parts).</p> : null}
      {claims && !claims.roles.includes('admin') ? (
        <p class="warning">This token has no admin role: the API will refuse most of what this console does.</p>
      ) : null}
      <button type="submit" disabled={!claims}>
        Sign in
      </button>
    </form>
  )
}
