"""The operations vocabulary: the name of every request the fake serves, once.

The journal records these names, `Call.operation` and the timeline show them, and
`fail(operation)` selects by them. The REST API spells one of them differently in
its URLs (`:renewLock`); `ACTIONS` maps the URL spelling to the name.
"""

from __future__ import annotations

PUBLISH = "publish"
RECEIVE = "receive"
ACKNOWLEDGE = "acknowledge"
RELEASE = "release"
REJECT = "reject"
RENEW_LOCKS = "renew_locks"
SEND = "send"  # a publish to an Event Grid Basic topic, domain or partner namespace

# A push delivery Event Grid makes (to a webhook, an event hub...): not a request the
# fake serves, so not a call, but the journal's name for it and a fault's to catch it.
DELIVER = "deliver"

# In the order messages list them.
NAMESPACE_OPERATIONS = (PUBLISH, RECEIVE, ACKNOWLEDGE, RELEASE, REJECT, RENEW_LOCKS)
OPERATIONS = (*NAMESPACE_OPERATIONS, SEND)
# What `fail(operation)` may name.
FAULT_OPERATIONS = (*OPERATIONS, DELIVER)
SETTLEMENTS = frozenset({ACKNOWLEDGE, RELEASE, REJECT, RENEW_LOCKS})
PUBLISHES = frozenset({PUBLISH, SEND})

# The action of a subscription URL (`/eventsubscriptions/<name>:<action>`) to its name.
ACTIONS = {
    "receive": RECEIVE,
    "acknowledge": ACKNOWLEDGE,
    "release": RELEASE,
    "reject": REJECT,
    "renewLock": RENEW_LOCKS,
}
SETTLEMENT_ACTIONS = frozenset(action for action, name in ACTIONS.items() if name in SETTLEMENTS)
