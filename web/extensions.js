// web/extensions.js — EXTENSION POINT for event types this page does not render yet.
//
// Issue 12 (the newer protocol: interaction forms such as `identity_intake` and `choices`)
// plugs in here: register a renderer for its event type, e.g.
//
//   eventRenderers.set("interaction_request", (event, ctx) => {
//     // build a form inside ctx.turnElement (DOM nodes + textContent only, never innerHTML),
//     // and answer with ctx.send({action: "submit_interaction", sessionId: ctx.sessionId, ...})
//   });
//
// ctx = {turnElement, sessionId, send(frame), request(frame)}; turnElement is null for an
// event outside a turn of this page. Unknown types without a renderer are ignored, as
// docs/protocol.md asks of clients.

/** event type → function(event, ctx) */
export const eventRenderers = new Map();
