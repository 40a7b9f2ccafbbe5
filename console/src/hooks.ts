/** Loading what a page shows, and running what an admin does, with the API's refusal kept for
 * the page to show. */

import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, type Page } from './api'

export interface Loaded<T> {
  data?: T
  error?: ApiError
  loading: boolean
  reload: () => void
}

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  return new ApiError(0, { status: 0, title: 'Error', detail: String(error) }, 'console')
}

/** `load()` now and whenever `deps` change; an answer that arrives after a newer load started
 * is dropped, so a fast filter change never shows the older list. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({
    loading: true,
  })
  const generation = useRef(0)
  const run = useCallback(() => {
    const mine = ++generation.current
    setState((before) => ({ data: before.data, loading: true }))
    load().then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (error) => mine === generation.current && setState({ error: asApiError(error), loading: false }),
    )
  }, deps)
  useEffect(run, [run])
  return { ...state, reload: run }
}

/** A cursor-paginated list: the first page, and "load more" appending the next. */
export function usePages<T>(
  load: (cursor: string | null) => Promise<Page<T>>,
  deps: unknown[],
): Loaded<T[]> & { more: (() => void) | null } {
  const [pages, setPages] = useState<{ items: T[]; next: string | null }>({ items: [], next: null })
  const first = useLoad(async () => {
    const page = await load(null)
    setPages({ items: page.items, next: page.next_cursor })
    return page
  }, deps)
  const [moreError, setMoreError] = useState<ApiError>()
  const more = pages.next
    ? () => {
        load(pages.next).then(
          (page) => setPages((before) => ({ items: [...before.items, ...page.items], next: page.next_cursor })),
          (error) => setMoreError(asApiError(error)),
        )
      }
    : null
  return { data: pages.items, error: first.error ?? moreError, loading: first.loading, reload: first.reload, more }
}

export interface Action {
  busy: boolean
  error?: ApiError
  done?: string
  run: (what: () => Promise<unknown>, done?: string) => Promise<boolean>
}

/** One admin action at a time per form: the button is disabled while it runs, and the
 * problem+json detail of a refusal is shown until the next try. */
export function useAction(): Action {
  const [state, setState] = useState<{ busy: boolean; error?: ApiError; done?: string }>({
    busy: false,
  })
  const run = async (what: () => Promise<unknown>, done?: string) => {
    setState({ busy: true })
    try {
      await what()
      setState({ busy: false, done })
      return true
    } catch (error) {
      setState({ busy: false, error: asApiError(error) })
      return false
    }
  }
  return { ...state, run }
}
