/** The admin's bearer token: pasted once, kept for the browser tab only (sessionStorage), or
 * handed over in the URL as `#token=…` by the development flow (`make token ADMIN=1`). */

const KEY = 'hourbank.console.token'

export interface Claims {
  sub: string
  roles: string[]
  exp?: number
}

export function currentToken(): string | null {
  return sessionStorage.getItem(KEY)
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim().replace(/^Bearer\s+/i, ''))
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY)
}

/** Moves a `#token=…` out of the address bar into the tab's storage, so it is neither kept in
 * the history nor shown on screen; returns whether there was one. */
export function takeTokenFromUrl(): boolean {
  const match = /(?:^#|[#&?/])token=([^&]+)/.exec(location.hash)
  if (!match) return false
  storeToken(decodeURIComponent(match[1]))
  history.replaceState(null, '', `${location.pathname}${location.search}#/disputes`)
  return true
}

/** What the token says about its holder, unverified: the API checks it on every call; the
 * console only shows who is signed in and warns when the token is not an admin's. */
export function claimsOf(token: string): Claims | null {
  const payload = token.split('.')[1]
  if (!payload) return null
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'))
    const claims = JSON.parse(json) as Partial<Claims>
    if (typeof claims.sub !== 'string') return null
    return { sub: claims.sub, roles: Array.isArray(claims.roles) ? claims.roles : [], exp: claims.exp }
  } catch {
    return null
  }
}
