// The JavaScript Event Grid namespaces client (@azure/eventgrid-namespaces) against the
// emulator: publish, receive, acknowledge, release, reject and renew locks.
// tests/emulator/test_javascript.py runs it with the environment below, then checks the
// server's state. Run by hand against `pytest-eventgrid serve` with the same variables.
//
//   EVENTGRID_ENDPOINT                 the namespace endpoint (http:// or https://)
//   EVENTGRID_KEY                      the access key
//   EVENTGRID_TOPIC_NAME               a namespace topic
//   EVENTGRID_EVENT_SUBSCRIPTION_NAME  a subscription of that topic
//   EVENTGRID_OTHER_ENDPOINT           (optional) a second namespace's endpoint
//   NODE_EXTRA_CA_CERTS                with https: the server's CA file
import assert from "node:assert/strict";
import {
  AzureKeyCredential,
  EventGridReceiverClient,
  EventGridSenderClient,
} from "@azure/eventgrid-namespaces";

const endpoint = process.env.EVENTGRID_ENDPOINT;
const key = process.env.EVENTGRID_KEY;
const topic = process.env.EVENTGRID_TOPIC_NAME;
const subscription = process.env.EVENTGRID_EVENT_SUBSCRIPTION_NAME;
const otherEndpoint = process.env.EVENTGRID_OTHER_ENDPOINT;
const secure = endpoint.startsWith("https://");

// Over plain http the Azure JS pipeline refuses to send anything unless told to.
const options = secure ? {} : { allowInsecureConnection: true };
const credential = new AzureKeyCredential(key);

function clients(where, auth = credential) {
  return {
    sender: new EventGridSenderClient(where, auth, topic, options),
    receiver: new EventGridReceiverClient(where, auth, topic, subscription, options),
  };
}

async function receiveAll(receiver, count) {
  const details = [];
  for (let round = 0; round < 5 && details.length < count; round++) {
    const result = await receiver.receiveEvents({ maxEvents: count - details.length, maxWaitTime: 10 });
    details.push(...result.details);
  }
  assert.equal(details.length, count, `received ${details.length} of ${count} events`);
  return details;
}

const { sender, receiver } = clients(endpoint);

// A batch, and a single event (each goes out with its own content type).
await sender.sendEvents(
  ["acknowledge", "release", "reject"].map((action) => ({
    type: "Order.Created",
    source: "/js/test",
    id: `js-${action}`,
    data: { action },
  })),
);
await sender.sendEvents({ type: "Order.Created", source: "/js/test", id: "js-renew", data: { action: "renew" } });

const byAction = {};
for (const detail of await receiveAll(receiver, 4)) {
  assert.equal(detail.brokerProperties.deliveryCount, 1);
  assert.equal(detail.event.source, "/js/test");
  byAction[detail.event.data.action] = detail.brokerProperties.lockToken;
}
assert.deepEqual(Object.keys(byAction).sort(), ["acknowledge", "reject", "release", "renew"]);

const acknowledged = await receiver.acknowledgeEvents([byAction.acknowledge, "bm90LWEtdG9rZW4="]);
assert.deepEqual(acknowledged.succeededLockTokens, [byAction.acknowledge]);
assert.equal(acknowledged.failedLockTokens.length, 1);
assert.equal(acknowledged.failedLockTokens[0].lockToken, "bm90LWEtdG9rZW4=");
assert.ok(acknowledged.failedLockTokens[0].error.code, "a failed lock token carries an error code");

const renewed = await receiver.renewEventLocks([byAction.renew]);
assert.deepEqual(renewed.succeededLockTokens, [byAction.renew]);

const rejected = await receiver.rejectEvents([byAction.reject]);
assert.deepEqual(rejected.succeededLockTokens, [byAction.reject]);

const released = await receiver.releaseEvents([byAction.release], { releaseDelay: "0" });
assert.deepEqual(released.succeededLockTokens, [byAction.release]);

// The released event comes back, delivered a second time.
const [again] = await receiveAll(receiver, 1);
assert.equal(again.event.id, "js-release");
assert.equal(again.brokerProperties.deliveryCount, 2);
const settled = await receiver.acknowledgeEvents([again.brokerProperties.lockToken, byAction.renew]);
assert.equal(settled.succeededLockTokens.length, 2);

// A second namespace, under the server's /namespaces/<name> path: the client keeps it.
if (otherEndpoint) {
  const other = clients(otherEndpoint);
  await other.sender.sendEvents({ type: "Order.Created", source: "/js/other", id: "js-other", data: {} });
  const [detail] = await receiveAll(other.receiver, 1);
  assert.equal(detail.event.id, "js-other");
  await other.receiver.acknowledgeEvents([detail.brokerProperties.lockToken]);
}

// A token credential (what DefaultAzureCredential is): only over https.
const token = {
  async getToken() {
    return { token: "fake-token", expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};
const tokenClients = clients(endpoint, token);
const tokenEvent = { type: "Order.Created", source: "/js/token", id: "js-token", data: {} };
if (secure) {
  await tokenClients.sender.sendEvents(tokenEvent);
  const [detail] = await receiveAll(tokenClients.receiver, 1);
  assert.equal(detail.event.id, "js-token");
  await tokenClients.receiver.acknowledgeEvents([detail.brokerProperties.lockToken]);
} else {
  await assert.rejects(tokenClients.sender.sendEvents(tokenEvent), /non-TLS|https/);
}

console.log("javascript client: all checks passed");
