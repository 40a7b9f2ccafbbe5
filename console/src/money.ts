/** Hours as the API writes them ("1.50"): exact decimals with two places, kept here as whole
 * hundredths in a bigint, never a binary float (SPEC §2). */

const HOURS = /^\s*(\d{1,7})(?:\.(\d{1,2}))?\s*$/

/** Hundredths of an hour, or null if the text is not a non-negative amount with ≤ 2 decimals. */
export function parseHours(text: string): bigint | null {
  const match = HOURS.exec(text)
  if (!match) return null
  return BigInt(match[1]) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'))
}

export function formatHours(hundredths: bigint): string {
  const sign = hundredths < 0n ? '-' : ''
  const size = hundredths < 0n ? -hundredths : hundredths
  return `${sign}${size / 100n}.${(size % 100n).toString().padStart(2, '0')}`
}

/** hours × rate rounded to 0.01 half-even, as the services compute an amount. */
export function amountOf(hours: bigint, rate: bigint): bigint {
  const product = hours * rate // in ten-thousandths
  const whole = product / 100n
  const rest = product % 100n
  if (rest > 50n || (rest === 50n && whole % 2n === 1n)) return whole + 1n
  return whole
}

export type Split =
  | { ok: true; provider: bigint; requester: bigint }
  | { ok: false; problem: string }

/** What a SPLIT resolution pays: the provider's hours at the request's rate, the rest of the
 * hold back to the requester; refused (as the disputes service refuses) above what is held. */
export function splitOf(providerHours: string, rate: string, held: string): Split {
  const hours = parseHours(providerHours)
  const rateValue = parseHours(rate)
  const heldValue = parseHours(held)
  if (rateValue === null || heldValue === null) return { ok: false, problem: 'the hold is not known yet' }
  if (providerHours.trim() === '') return { ok: false, problem: "type the provider's hours to see the split" }
  if (hours === null) return { ok: false, problem: 'enter hours like 1.25 (at most two decimals)' }
  const provider = amountOf(hours, rateValue)
  if (provider > heldValue) {
    return {
      ok: false,
      problem: `${formatHours(hours)} h at rate ${rate} is ${formatHours(provider)} h, more than the ${held} h held`,
    }
  }
  return { ok: true, provider, requester: heldValue - provider }
}
