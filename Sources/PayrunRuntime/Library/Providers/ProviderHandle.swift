// What `payrun.provider(name)` returns: a client for the current environment, as a Lua object
// with the common methods and the provider's own.
import LuaKit

/// A provider client held by a script.
public final class ProviderHandle: LuaObject {
    public static let luaTypeName = "payrun.provider"
    /// The client in a box of its own: what a request's work captures, one reference where a
    /// copy of the client retained a dozen (1.2K instructions a request).
    let shared: Shared
    var client: ProviderClient { _read { yield shared.client } }
    let session: ProviderSession
    /// Where `--verbose` and `--dry-run` notes go: the script's own (redacting) output.
    let output: any ScriptOutput
    /// What a mutation must pass before it is sent in `live`: a person's yes.
    let confirmation: LiveConfirmation

    init(client: ProviderClient, session: ProviderSession, output: any ScriptOutput, confirmation: LiveConfirmation) {
        shared = Shared(client: client)
        self.session = session
        self.output = output
        self.confirmation = confirmation
    }

    final class Shared: Sendable {
        let client: ProviderClient

        init(client: ProviderClient) {
            self.client = client
        }
    }

    /// What is wrong with `path` as a path of this provider's API, or nil
    /// (``ProviderClient/pathProblem(_:)``). Its bytes are looked at first: the client, asked,
    /// is copied (a dozen references, 800 instructions a request).
    func pathProblem(_ path: String) -> String? {
        guard path.utf8.first != UInt8(ascii: "/") || ProviderClient.mayHaveDotSegment(path) else { return nil }
        return client.pathProblem(path)
    }

    /// Writes what the session noted during the last call.
    func writeNotes() {
        session.writeNotes(to: output)
    }

    public static var luaMethods: [LuaRegistration] { [
        LuaRegistration("delete") { call in try ProviderRequests.send(call, method: "DELETE", queryAt: 3, bodyAt: nil) },
        LuaRegistration("get") { call in try ProviderRequests.send(call, method: "GET", queryAt: 3, bodyAt: nil) },
        LuaRegistration("paginate") { call in try PageCursor.paginate(call) },
        LuaRegistration("post") { call in try ProviderRequests.send(call, method: "POST", queryAt: nil, bodyAt: 3) },
        LuaRegistration("put") { call in try ProviderRequests.send(call, method: "PUT", queryAt: nil, bodyAt: 3) },
        LuaRegistration("request") { call in try ProviderRequests.request(call, raising: true) },
        LuaRegistration("sign") { call in try ProviderSigning.sign(call) },
        LuaRegistration("tryrequest") { call in try ProviderRequests.request(call, raising: false) },
    ] }

    public static var luaMetamethods: [LuaRegistration] { [
        LuaRegistration("__tostring") { call in
            let handle = try call.object(at: 1, as: ProviderHandle.self)
            call.stack.push("provider \(handle.client.provider.name) (\(handle.client.environment))")
            return 1
        },
    ] }

    /// The provider's own methods, from its Lua extension.
    public static var luaMemberLookup: LuaFunctionBody? {
        { call in
            let handle = try call.object(at: 1, as: ProviderHandle.self)
            let stack = call.stack
            guard stack.pushRegistryValue(ProviderLibrary.extensionKey(handle.client.provider.name)) == .table else {
                stack.pop()
                stack.pushNil()
                return 1
            }
            stack.pushCopy(of: call.index(of: 2))  // stack: ... methods key
            stack.getEntry(in: -2)                 // stack: ... methods method
            return 1
        }
    }
}
