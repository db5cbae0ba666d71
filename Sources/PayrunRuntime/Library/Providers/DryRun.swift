// --dry-run: a request the provider counts as a mutation is described on standard error and not
// sent; the script gets back what it would have sent, so it runs to its end. Reads are sent: what
// is a read is the provider's knowledge (Capitalist reads with POSTs), not the HTTP method's.
import LuaKit

enum DryRun {
    /// Notes `parts` as not sent and pushes the body (or an empty table) and a response
    /// `{status = 0, dry_run = true}`.
    static func describe(_ parts: RequestParts, _ call: LuaCall, _ handle: ProviderHandle) throws -> LuaReturn {
        let body = parts.body.map(CredentialPlaceholder.shown)
        let text = body.map { " " + String(decoding: $0.encoded(), as: UTF8.self) } ?? ""
        do {
            handle.session.notes.add("dry run, not sent: \(parts.method) \(try handle.client.url(parts.path, query: parts.query))\(text)")
        } catch {
            throw ProviderValues.raise(error, call)
        }
        try JSONLibrary.push(body ?? .object([:]), on: call.stack)
        call.stack.pushTable(fieldCapacity: 2)
        call.stack.push(0)
        call.stack.setField("status", in: -2)
        call.stack.push(true)
        call.stack.setField("dry_run", in: -2)
        return 2
    }
}
