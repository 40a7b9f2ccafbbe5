// Builds the console into a temporary folder and compares it with the committed dist/: the
// build is deterministic (content-hashed names, no source maps, no timestamps), so any
// difference means dist/ was not rebuilt after a change to src/ (`npm run build`).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { build } from 'vite'

const here = new URL('..', import.meta.url).pathname
const committed = join(here, 'dist')
const fresh = mkdtempSync(join(tmpdir(), 'hourbank-console-'))

function files(root) {
  const found = new Map()
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name)
      if (entry.isDirectory()) walk(path)
      else found.set(relative(root, path), readFileSync(path))
    }
  }
  walk(root)
  return found
}

try {
  await build({ root: here, logLevel: 'error', build: { outDir: fresh, emptyOutDir: true } })
  const want = files(fresh)
  let have
  try {
    have = files(committed)
  } catch {
    have = new Map()
  }
  const problems = []
  for (const [name, content] of want) {
    if (!have.has(name)) problems.push(`missing in dist/: ${name}`)
    else if (!have.get(name).equals(content)) problems.push(`differs from a fresh build: dist/${name}`)
  }
  for (const name of have.keys()) if (!want.has(name)) problems.push(`not in a fresh build: dist/${name}`)
  if (problems.length) {
    console.error(`console/dist is not the build of console/src:\n  ${problems.join('\n  ')}`)
    console.error('rebuild and commit it: cd console && npm ci && npm run build')
    process.exit(1)
  }
  console.log(`console/dist is current (${want.size} files)`)
} finally {
  rmSync(fresh, { recursive: true, force: true })
}
