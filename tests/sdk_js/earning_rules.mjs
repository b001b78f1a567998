// A campaign's earning rules through the JS SDK: create, list, get, update, disable, enable, delete.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Sdk, rejects } from './lib.mjs'

test('earning rules from create to delete', async () => {
  const sdk = new Sdk()
  const campaign = await sdk.campaign('earning')
  const rules = await sdk.loyalties.createEarningRule(campaign.id, [
    { event: 'order.paid', source: { banner: '1 point per dollar' }, loyalty: { type: 'PROPORTIONAL', calculation_type: 'ORDER_AMOUNT', order: { amount: { every: 100, points: 1 } } } },
    { event: 'customer.segment.entered', segment: { id: 'seg_0a1b' }, loyalty: { type: 'FIXED', points: 10 } }
  ])
  assert.deepEqual(rules.map(r => [r.event, r.active, r.source.object_id]), [['order.paid', true, campaign.id], ['customer.segment.entered', true, campaign.id]])
  const [orderRule, segmentRule] = rules
  const page = await sdk.loyalties.listEarningRules(campaign.id, { limit: 1, page: 2 })
  assert.deepEqual([page.total, page.data.map(r => r.id)], [2, [segmentRule.id]])
  assert.equal((await sdk.loyalties.getEarningRule(campaign.id, orderRule.id)).source.banner, '1 point per dollar')
  const updated = await sdk.loyalties.updateEarningRule(campaign.id, { id: segmentRule.id, loyalty: { type: 'FIXED', points: 20 }, metadata: { v: 2 } })
  assert.deepEqual([updated.loyalty.points, updated.metadata], [20, { v: 2 }])
  assert.equal((await sdk.loyalties.disableEarningRule(campaign.id, segmentRule.id)).active, false)
  assert.equal((await sdk.loyalties.enableEarningRule(campaign.id, segmentRule.id)).active, true)
  await sdk.loyalties.deleteEarningRule(campaign.id, segmentRule.id)
  await rejects(sdk.loyalties.getEarningRule(campaign.id, segmentRule.id), 404)
  await rejects(sdk.loyalties.createEarningRule(campaign.id, [{ event: 'sign_up', loyalty: { type: 'FIXED', points: 1 } }]), 400)
  sdk.done('earning_rules')
})
