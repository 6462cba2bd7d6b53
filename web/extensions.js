// web/extensions.js — EXTENSION POINT for event types this page does not render yet.
//
// Register a renderer for an event type, e.g.
//
//   eventRenderers.set("my_event", (event, ctx) => {
//     // build DOM inside ctx.turnElement (DOM nodes + textContent only, never innerHTML),
//     // and answer with ctx.send(frame) or await ctx.request(frame)
//   });
//
// ctx = {turnElement, sessionId, send(frame), request(frame)}; turnElement is null for an
// event outside a turn of this page. Unknown types without a renderer are ignored, as
// docs/protocol.md asks of clients. (The Rich Interaction forms, `interaction_required`,
// are built in: web/interactions.js.)

/** event type → function(event, ctx) */
export const eventRenderers = new Map();
