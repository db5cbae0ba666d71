// payrun.webhook.verify(provider, webhook): whether a webhook a script received really comes from
// the provider, checked in Swift with the provider's scheme and secrets the script never sees.
import LuaKit
import PayrunFormats

enum WebhookLibrary {
    static func functions(session: ProviderSession) -> [LuaRegistration] { [
        LuaRegistration("verify") { call in
            let name = try call.string(at: 1)
            try call.check(.table, at: 2)
            guard let provider = session.registry.provider(named: name) else {
                throw LuaArgumentError.invalid(at: 1, "no provider '\(name)'")
            }
            // A webhook's headers as the script received them: anything not a string is not a header.
            let headers = try call.withField("headers", of: 2) { index, type -> [(String, String)]? in
                var pairs: [(String, String)] = []
                if type == .table {
                    call.stack.forEachEntry(of: index) { key, value in
                        if let name = call.stack.string(at: key), let text = call.stack.string(at: value) { pairs.append((name, text)) }
                    }
                }
                return pairs
            } ?? []
            let body = try call.withField("body", of: 2) { index, type -> [UInt8]? in
                type == .string ? call.stack.bytes(at: index).map { Array($0) } : nil
            } ?? []
            let verdict = provider.verify(
                IncomingWebhook(headers: headers, body: body), with: session.credentials(for: provider), now: UTCTime.now())
            switch verdict {
            case .valid:
                call.stack.push(true)
                return 1
            case .invalid(let reason):
                call.stack.push(false)
                call.stack.push(reason)
                return 2
            }
        },
    ] }
}
