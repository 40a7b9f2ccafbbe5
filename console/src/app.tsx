/** The console's frame: who is signed in, the pages, and which page the URL names. */

import { useEffect, useState } from 'preact/hooks'
import { DisputePage } from './pages/dispute'
import { DisputeQueue } from './pages/disputes'
import { MemberPage } from './pages/members'
import { OfferingQueue } from './pages/offerings'
import { OperationsPage } from './pages/operations'
import { ReportQueue } from './pages/reports'
import { TimelinePage } from './pages/timeline'
import { href, useRoute } from './route'
import { SignIn } from './signin'
import { claimsOf, currentToken, forgetToken, storeToken, takeTokenFromUrl } from './token'
import { short } from './ui'

const PAGES: [string, string][] = [
  ['disputes', 'Disputes'],
  ['offerings', 'Offering review'],
  ['reports', 'Reports'],
  ['requests', 'Request timeline'],
  ['members', 'Members'],
  ['operations', 'Operations'],
]

function Page({ route, me }: { route: string[]; me: string }) {
  const [page, id] = route
  switch (page) {
    case 'offerings':
      return <OfferingQueue />
    case 'reports':
      return <ReportQueue />
    case 'requests':
      return <TimelinePage id={id} />
    case 'members':
      return <MemberPage id={id} />
    case 'operations':
      return <OperationsPage />
    case 'disputes':
      return id ? <DisputePage id={id} me={me} /> : <DisputeQueue me={me} />
    default:
      return <DisputeQueue me={me} />
  }
}

export function App() {
  const [token, setToken] = useState(currentToken)
  const route = useRoute()
  useEffect(() => {
    // a `#token=` link opened in a tab where the console already runs
    const taken = () => takeTokenFromUrl() && setToken(currentToken())
    addEventListener('hashchange', taken)
    return () => removeEventListener('hashchange', taken)
  }, [])
  const claims = token ? claimsOf(token) : null
  const signIn = (pasted: string) => {
    storeToken(pasted)
    setToken(currentToken())
  }
  const signOut = () => {
    forgetToken()
    setToken(null)
  }
  const current = route[0] ?? 'disputes'
  return (
    <>
      <header class="top">
        <h1>
          <a href={href('disputes')}>HourBank admin</a>
        </h1>
        {claims ? (
          <>
            <nav>
              {PAGES.map(([page, title]) => (
                <a key={page} href={href(page)} class={current === page ? 'current' : ''} aria-current={current === page ? 'page' : undefined}>
                  {title}
                </a>
              ))}
            </nav>
            <span class="who" title={claims.sub}>
              {claims.roles.includes('admin') ? 'admin' : 'member'} {short(claims.sub)}{' '}
              <button type="button" class="link" onClick={signOut}>
                Sign out
              </button>
            </span>
          </>
        ) : null}
      </header>
      <main>{claims ? <Page route={route} me={claims.sub} /> : <SignIn onToken={signIn} />}</main>
    </>
  )
}
