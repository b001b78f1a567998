// Customers through the JS SDK: create, get (by id and source id), update, list, scroll, delete, permanent deletion.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Sdk, rejects } from './lib.mjs'

test('customers from create to permanent deletion', async () => {
  const sdk = new Sdk()
  const source = `js-cust-${sdk.tag}`
  const customer = await sdk.customers.create({ source_id: source, name: 'Js User', email: `${source}@example.com`, metadata: { tier: 'gold' } })
  assert.match(customer.id, /^cust_/)
  assert.deepEqual([customer.source_id, customer.object], [source, 'customer'])
  assert.equal((await sdk.customers.get(source)).id, customer.id)
  const updated = await sdk.customers.update({ id: customer.id, name: 'Js Renamed', metadata: { tier: 'platinum' } })
  assert.deepEqual([updated.name, updated.metadata, updated.email], ['Js Renamed', { tier: 'platinum' }, `${source}@example.com`])
  const bySource = await sdk.customers.update({ source_id: source, name: 'Js Again' })
  assert.deepEqual([bySource.id, bySource.name], [customer.id, 'Js Again'])
  const found = await sdk.customers.list({ email: `${source}@example.com`, limit: 10 })
  assert.deepEqual([found.data_ref, found.customers.map(c => c.id)], ['customers', [customer.id]])
  const second = await sdk.customers.create({ source_id: `${source}-2`, name: 'Js Second' })
  const scrolled = []
  for await (const c of sdk.customers.scroll({ limit: 1, order: 'created_at', starting_after: customer.created_at })) scrolled.push(c.id)
  assert.ok(scrolled.includes(second.id), JSON.stringify(scrolled))
  await sdk.customers.delete(customer.id)
  await rejects(sdk.customers.get(customer.id), 404)
  const deletion = await sdk.customers.deletePermanently(second.id)
  assert.deepEqual([deletion.related_object_id, deletion.object], [second.id, 'pernament_deletion'])
  sdk.done('customers')
})
