// payrun.provider(name): the Lua surface of the provider plugins. Requests run in Swift (signing
// included: secrets never enter Lua); results come back as Lua tables, errors as structured values
// that print readably. The methods of the client it returns are in the files beside this one.
import LuaKit

/// `payrun.provider(name [, {headers=}])`.
enum ProviderLibrary {
    /// Adds `payrun.provider`, `payrun.parallel`, `payrun.sleep`, `payrun.webhook` and `payrun.http` to the
    /// `payrun` table on top of the stack, and what their values need in the registry.
    /// - Parameter confirmation: what a mutation in `live` must pass before it is sent.
    static func install(
        on stack: LuaStack, session: ProviderSession, output: any ScriptOutput, confirmation: LiveConfirmation
    ) throws(LuaError) {
        try stack.reserve(4)
        ProviderValues.installErrorMetatable(on: stack)
        for function in functions(session: session, output: output, confirmation: confirmation) + ParallelLibrary.functions(session: session, output: output) {
            stack.push(function: function.body)
            stack.setField(function.name, in: -2)
        }
        stack.push(library: WebhookLibrary.functions(session: session))
        stack.setField("webhook", in: -2)
        HTTPLibrary.push(onto: stack, session: session, output: output)
        stack.setField("http", in: -2)
        try StepLibrary.push(on: stack, session: session)
        stack.setField("step", in: -2)
        try EventLibrary.push(on: stack, providers: session.registry.all.filter(\.receivesWebhooks).map(\.name))
        stack.setField("on", in: -2)
        try PageCursor.installIterator(on: stack)
        try ParallelLibrary.installWorker(on: stack)
        // So that a script can stop where the mutations it only described would have made
        // what comes next (a batch's id to follow, a payment to wait for).
        stack.push(session.dryRun)
        stack.setField("dry_run", in: -2)
    }

    static func functions(
        session: ProviderSession, output: any ScriptOutput = CapturedOutput(),
        confirmation: LiveConfirmation = LiveConfirmation(environment: .sandbox, approvedInAdvance: false)
    ) -> [LuaRegistration] { [
        LuaRegistration("provider") { call in
            let name = try call.string(at: 1)
            try call.checkFieldNames(of: 2, among: ["headers"])
            let headers = try call.stringPairsField("headers", of: 2) ?? []
            if let reserved = ReservedHeaders.first(of: headers.lazy.map(\.0)) {
                throw LuaArgumentError.invalid(at: 2, "field 'headers': '\(reserved)' is set by payrun from the provider's URL and each body, not by a script")
            }
            // A name that is no provider is the argument's fault, said where the script gave it.
            if let unknown = session.unknownProvider(name) { throw LuaArgumentError.invalid(at: 1, unknown) }
            do {
                var client = try session.client(for: name, stack: call.stack)
                client.defaultHeaders = headers
                // A provider's own methods are compiled when a script first asks for it, not at start-up.
                if let luaExtension = client.provider.luaExtension {
                    let installed = call.stack.pushRegistryValue(extensionKey(name)) == .table
                    call.stack.pop()
                    if !installed { try installExtension(luaExtension, of: name, on: call.stack) }
                }
                call.stack.push(object: ProviderHandle(client: client, session: session, output: output, confirmation: confirmation))
                return 1
            } catch let error as ProviderError {
                throw ProviderValues.raise(error, call)
            }
        },
    ] }

    /// Where a provider's own methods are kept once compiled.
    static func extensionKey(_ provider: String) -> String { "payrun.provider." + provider }

    /// Runs a provider's extension chunk and keeps the table of methods it returns, for
    /// ``ProviderHandle/luaMemberLookup``.
    private static func installExtension(_ luaExtension: ProviderLuaExtension, of provider: String, on stack: LuaStack) throws(LuaError) {
        try stack.load(luaExtension.source, chunkName: luaExtension.chunkName ?? HostChunk.loadName(HostChunk.provider(provider)))
        _ = try stack.protectedCall(argumentCount: 0, resultCount: 1)
        guard stack.type(at: -1) == .table else {
            stack.pop()
            throw LuaError(.runtime, "the \(provider) provider's Lua extension does not return a table of methods")
        }
        stack.setRegistryValue(extensionKey(provider))
    }
}
