// The LuaLS annotations of payrun.on and the event a handler gets: `payrun annotations` writes
// them into the editor library with the others.

extension EventLibrary {
    static var annotations: LuaAnnotationTable {
        LuaAnnotationTable(prefix: "payrun.", registered: ["on"], entries: [
            .text("""
                ---A webhook `payrun listen` received, verified and stored, as a handler gets it.
                ---@class payrun.event
                ---@field provider string The provider that sent it: `particeep`, `tradevest`, `peex`, or a host's own.
                ---@field type string Its type: Particeep's event name (`transaction_created`), Tradevest's notification type (`TRANSFER_NOTIFICATION`), the status Peex's callback reports (`paid`, `failed`).
                ---@field id string The provider's event id, or `sha256:` and the digest of the body where it gives none: what makes a redelivery the same event.
                ---@field body any The body, decoded as `payrun.json.decode` would; its text when it is not JSON.
                ---@field received_at string When it was received, ISO 8601 UTC with milliseconds.
                ---@field attempt integer 1 the first time it is handed to handlers, 2 at the first retry, ...
                """),
            .function("on", """
                ---Registers `fn` for the webhooks of `provider` of type `event_type` (`"*"` for every type):
                ---`payrun listen HANDLERS.lua` runs the file for each event it received and hands the event to
                ---every matching handler, in the order registered. A handler that raises is retried on the
                ---listener's schedule, then the event is dead; each event's handlers run as one durable run, so
                ---a retry does not send again what an earlier attempt sent. Outside `payrun listen` nothing is
                ---handed over.
                ---@param provider string
                ---@param event_type string
                ---@param fn fun(event: payrun.event)
                """),
        ])
    }
}
