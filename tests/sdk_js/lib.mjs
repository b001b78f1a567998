// Shared by the JS SDK journeys: a client of the official SDK bound to the local runtime (env LOYALTY_API_URL,
// LOYALTY_APP_ID, LOYALTY_APP_TOKEN), recording which SDK methods a journey calls.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import pkg from '@voucherify/sdk'
import { JOURNEYS } from './methods.mjs'

const { VoucherifyServerSide } = pkg
export const AREAS = ['loyalties', 'customers', 'rewards']

export function env () {
  const url = process.env.LOYALTY_API_URL
  assert.ok(url, 'LOYALTY_API_URL, LOYALTY_APP_ID and LOYALTY_APP_TOKEN name the server and its key')
  return { url, appId: process.env.LOYALTY_APP_ID, token: process.env.LOYALTY_APP_TOKEN }
}

// The names (`area.method`) of every method of the client's loyalties, customers and rewards objects.
export function sdkMethods (client) {
  return AREAS.flatMap(area => Object.getOwnPropertyNames(Object.getPrototypeOf(client[area]))
    .filter(name => name !== 'constructor' && typeof client[area][name] === 'function')
    .map(name => `${area}.${name}`))
}

// A client of the SDK; without a server (the coverage check) it points nowhere and is never called.
export function makeClient ({ url, appId, token } = { url: 'http://127.0.0.1:9', appId: 'x', token: 'x' }) {
  return VoucherifyServerSide({ applicationId: appId, secretKey: token, apiUrl: url })
}

// The SDK's three areas, each method call noted in `called`.
export class Sdk {
  constructor () {
    this.base = env()
    const client = makeClient(this.base)
    this.called = new Set()
    this.tag = randomUUID().slice(0, 8)
    for (const area of AREAS) {
      this[area] = new Proxy(client[area], {
        get: (target, name) => {
          const value = target[name]
          if (typeof value !== 'function') return value
          return (...args) => { this.called.add(`${area}.${String(name)}`); return value.apply(target, args) }
        }
      })
    }
  }

  // A plain HTTP call for what the three areas do not cover (orders, async actions).
  async raw (method, path, body) {
    const resp = await fetch(this.base.url + path, {
      method,
      headers: { 'X-App-Id': this.base.appId, 'X-App-Token': this.base.token, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const data = resp.status === 204 ? null : await resp.json()
    assert.ok(resp.status < 300, JSON.stringify(data))
    return data
  }

  campaign (name) {
    return this.loyalties.create({
      name: `SDK JS ${name} ${this.tag}`,
      type: 'AUTO_UPDATE',
      voucher: { type: 'LOYALTY_CARD', loyalty_card: { points: 0 }, code_config: { pattern: 'JS-######' } }
    })
  }

  member (campaignId, sourceId) {
    return this.loyalties.createMember(campaignId, { customer: { source_id: `${sourceId}-${this.tag}` } })
  }

  // The journey called every method it declares in methods.mjs.
  done (journey) {
    const missing = JOURNEYS[journey].filter(name => !this.called.has(name))
    assert.deepEqual(missing, [], `journey ${journey} did not call`)
  }
}

// The SDK call rejected with the given HTTP status.
export async function rejects (promise, code) {
  await assert.rejects(promise, err => { assert.equal(err.code, code, JSON.stringify(err)); return true })
}

export async function eventually (probe, timeoutMs = 30000) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const got = await probe()
    if (got) return got
    if (Date.now() > until) assert.fail('timed out waiting')
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}
