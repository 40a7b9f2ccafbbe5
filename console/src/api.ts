/** Every call of the console: the public API through the same gateway that serves the page,
 * with the admin's bearer token; a refusal becomes an ApiError carrying its problem+json. */

import { currentToken } from './token'

export interface Problem {
  status: number
  title?: string
  detail?: string
  [extension: string]: unknown
}

export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem

  constructor(status: number, problem: Problem, where: string) {
    super(`${where}: ${problem.detail ?? problem.title ?? `HTTP ${status}`}`)
    this.status = status
    this.problem = problem
  }
}

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

type QueryValue = string | number | boolean | null | undefined | readonly string[]
export type Query = Record<string, QueryValue>

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    const values = Array.isArray(value) ? value : [value]
    for (const one of values) params.append(name, String(one))
  }
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

/** A random UUID also where crypto.randomUUID is missing (a page on plain http off loopback). */
export function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  bytes[6] = (bytes[6] & 0x0f) | 0x40
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text()
  try {
    const body = JSON.parse(text) as Problem
    return { ...body, status: body.status ?? response.status }
  } catch {
    return { status: response.status, title: response.statusText, detail: text.slice(0, 300) }
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  const token = currentToken()
  if (token) headers.Authorization = `Bearer ${token}`
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  // A POST may move hours: a retried click must not act twice (SPEC §7 Idempotency-Key).
  if (method === 'POST') headers['Idempotency-Key'] = newKey()
  const where = `${method} ${path.split('?')[0]}`
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (error) {
    const detail = `the gateway cannot be reached (${String(error)})`
    throw new ApiError(0, { status: 0, title: 'Network error', detail }, where)
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response), where)
  if (response.status === 204) return undefined as T
  const text = await response.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export const api = {
  get: <T>(path: string, query?: Query) => call<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
}
