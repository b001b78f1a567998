// v1 rewards and their assignments through the JS SDK, from both sides (the reward's and the campaign's), and a member's rewards.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Sdk, rejects } from './lib.mjs'

test('rewards and assignments from create to delete', async () => {
  const sdk = new Sdk()
  const campaign = await sdk.campaign('rewards')
  const card = await sdk.member(campaign.id, 'js-rewards')
  await sdk.loyalties.addOrRemoveCardBalance(card.code, { points: 150 })
  const material = await sdk.rewards.create({ name: 'Comic book', type: 'MATERIAL', stock: 2, parameters: { product: { id: 'prod_0b15f6b9f650c16990' } } })
  const points = await sdk.rewards.create({ name: 'Points', type: 'CAMPAIGN', parameters: { campaign: { id: campaign.id, balance: 50 } } })
  assert.match(material.id, /^rew_/)
  assert.deepEqual([material.type, material.stock], ['MATERIAL', 2])
  assert.equal((await sdk.rewards.get(material.id)).name, 'Comic book')
  assert.ok((await sdk.rewards.list({ limit: 1, page: 2 })).total >= 2)
  const updated = await sdk.rewards.update({ id: material.id, name: 'Comic', stock: 5 })
  assert.deepEqual([updated.name, updated.stock], ['Comic', 5])

  let first = await sdk.rewards.createAssignment(material.id, { campaign: campaign.id, parameters: { loyalty: { points: 100 } } })
  assert.deepEqual([first.reward_id, first.related_object_id, first.parameters.loyalty.points], [material.id, campaign.id, 100])
  assert.deepEqual((await sdk.rewards.listAssignments(material.id)).data.map(a => a.id), [first.id])
  assert.equal((await sdk.rewards.getAssignment(material.id, first.id)).id, first.id)
  first = await sdk.rewards.updateAssignment(material.id, { id: first.id, parameters: { loyalty: { points: 120 } } })
  assert.equal(first.parameters.loyalty.points, 120)

  let [second] = await sdk.loyalties.createRewardAssignments(campaign.id, [{ reward: points.id, parameters: { loyalty: { points: 200 } } }])
  assert.equal(second.reward_id, points.id)
  assert.deepEqual((await sdk.loyalties.listRewardAssignments(campaign.id)).data.map(a => a.id), [first.id, second.id])
  assert.equal((await sdk.loyalties.getRewardAssignment(campaign.id, second.id)).reward_id, points.id)
  const details = await sdk.loyalties.getRewardDetails(campaign.id, second.id)
  assert.deepEqual([details.id, details.type], [points.id, 'CAMPAIGN'])
  second = await sdk.loyalties.updateRewardAssignment(campaign.id, { id: second.id, parameters: { loyalty: { points: 160 } } })
  assert.equal(second.parameters.loyalty.points, 160)

  // 150 points afford the 120-point assignment, not the 160-point one
  assert.deepEqual((await sdk.loyalties.listMemberRewards(card.code)).data.map(r => r.assignment.id), [first.id, second.id])
  assert.deepEqual((await sdk.loyalties.listMemberRewards(card.code, { affordable_only: true })).data.map(r => r.reward.id), [material.id])

  await sdk.loyalties.deleteRewardAssignment(campaign.id, second.id)
  await sdk.rewards.deleteAssignment(material.id, first.id)
  await rejects(sdk.rewards.getAssignment(material.id, first.id), 404)
  for (const reward of [material, points]) await sdk.rewards.delete(reward.id)
  await rejects(sdk.rewards.get(material.id), 404)
  sdk.done('rewards')
})
